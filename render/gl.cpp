#include "gl.h"

#include <cmath>
#include <cstddef>
#include <stdexcept>

namespace backroll::gfx {

Mesh::~Mesh() {
  if (ebo_) glDeleteBuffers(1, &ebo_);
  if (vbo_) glDeleteBuffers(1, &vbo_);
  if (vao_) glDeleteVertexArrays(1, &vao_);
}

void Mesh::ensure() {
  if (vao_) return;
  glGenVertexArrays(1, &vao_);
  glGenBuffers(1, &vbo_);
  glBindVertexArray(vao_);
  glBindBuffer(GL_ARRAY_BUFFER, vbo_);
  glEnableVertexAttribArray(0);
  glVertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, sizeof(Vertex), reinterpret_cast<void*>(offsetof(Vertex, pos)));
  glEnableVertexAttribArray(1);
  glVertexAttribPointer(1, 3, GL_FLOAT, GL_FALSE, sizeof(Vertex), reinterpret_cast<void*>(offsetof(Vertex, normal)));
  glEnableVertexAttribArray(2);
  glVertexAttribPointer(2, 4, GL_FLOAT, GL_FALSE, sizeof(Vertex), reinterpret_cast<void*>(offsetof(Vertex, color)));
  glBindVertexArray(0);
}

void Mesh::upload(const std::vector<Vertex>& v) {
  ensure();
  glBindBuffer(GL_ARRAY_BUFFER, vbo_);
  if (v.size() == n_vertices_ && !v.empty()) glBufferSubData(GL_ARRAY_BUFFER, 0, v.size() * sizeof(Vertex), v.data());
  else glBufferData(GL_ARRAY_BUFFER, v.size() * sizeof(Vertex), v.data(), GL_DYNAMIC_DRAW);
  n_vertices_ = v.size();
}

void Mesh::upload_indices(const std::vector<unsigned>& idx) {
  ensure();
  glBindVertexArray(vao_);
  if (!ebo_) glGenBuffers(1, &ebo_);
  glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, ebo_);
  glBufferData(GL_ELEMENT_ARRAY_BUFFER, idx.size() * sizeof(unsigned), idx.data(), GL_STATIC_DRAW);
  glBindVertexArray(0);
  n_indices_ = idx.size();
}

void Mesh::draw(GLenum mode) const {
  if (!vao_ || n_vertices_ == 0) return;
  glBindVertexArray(vao_);
  if (ebo_) glDrawElements(mode, static_cast<GLsizei>(n_indices_), GL_UNSIGNED_INT, nullptr);
  else glDrawArrays(mode, 0, static_cast<GLsizei>(n_vertices_));
  glBindVertexArray(0);
}

void Mesh::draw_range(GLenum mode, size_t first, size_t count) const {
  if (!vao_ || !ebo_ || count == 0) return;
  glBindVertexArray(vao_);
  glDrawElements(mode, static_cast<GLsizei>(count), GL_UNSIGNED_INT, reinterpret_cast<void*>(first * sizeof(unsigned)));
  glBindVertexArray(0);
}

namespace {

const char* kVertex = R"(#version 330 core
layout(location = 0) in vec3 a_pos;
layout(location = 1) in vec3 a_normal;
layout(location = 2) in vec4 a_color;
uniform mat4 u_pv;
uniform mat4 u_model;
out vec3 v_pos;
out vec3 v_normal;
out vec4 v_color;
void main() {
  vec4 w = u_model * vec4(a_pos, 1.0);
  v_pos = w.xyz;
  v_normal = mat3(u_model) * a_normal;
  v_color = a_color;
  gl_Position = u_pv * w;
}
)";

const char* kFragment = R"(#version 330 core
in vec3 v_pos;
in vec3 v_normal;
in vec4 v_color;
uniform vec3 u_eye;
uniform bool u_flat;
uniform bool u_unlit;
uniform bool u_use_color;
uniform vec4 u_color;
uniform bool u_clip_on;
uniform vec4 u_clip;
uniform float u_alpha;
out vec4 frag;
void main() {
  if (u_clip_on && dot(u_clip.xyz, v_pos) > u_clip.w) discard;
  vec4 c = u_use_color ? u_color : v_color;
  if (u_unlit) { frag = vec4(c.rgb, c.a * u_alpha); return; }
  vec3 n = u_flat ? normalize(cross(dFdx(v_pos), dFdy(v_pos))) : normalize(v_normal);
  vec3 v = normalize(u_eye - v_pos);
  if (dot(n, v) < 0.0) n = -n;  // two-sided: the back's skin is seen from below the floor
  vec3 l1 = normalize(vec3(0.35, 0.45, 0.82));
  vec3 l2 = normalize(vec3(-0.5, -0.3, -0.8));
  float d = 0.62 * max(dot(n, l1), 0.0) + 0.38 * max(dot(n, l2), 0.0) + 0.28 * max(dot(n, v), 0.0);
  vec3 h = normalize(l1 + v);
  float s = 0.12 * pow(max(dot(n, h), 0.0), 32.0);
  frag = vec4(c.rgb * (0.22 + 0.78 * d) + vec3(s), c.a * u_alpha);
}
)";

GLuint compile(GLenum type, const char* src) {
  const GLuint s = glCreateShader(type);
  glShaderSource(s, 1, &src, nullptr);
  glCompileShader(s);
  GLint ok = 0;
  glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
  if (!ok) {
    char log[2048];
    glGetShaderInfoLog(s, sizeof log, nullptr, log);
    throw std::runtime_error(std::string("viewer shader does not compile: ") + log);
  }
  return s;
}

}  // namespace

void Shader::create() {
  const GLuint vs = compile(GL_VERTEX_SHADER, kVertex), fs = compile(GL_FRAGMENT_SHADER, kFragment);
  prog_ = glCreateProgram();
  glAttachShader(prog_, vs);
  glAttachShader(prog_, fs);
  glLinkProgram(prog_);
  GLint ok = 0;
  glGetProgramiv(prog_, GL_LINK_STATUS, &ok);
  glDeleteShader(vs);
  glDeleteShader(fs);
  if (!ok) {
    char log[2048];
    glGetProgramInfoLog(prog_, sizeof log, nullptr, log);
    throw std::runtime_error(std::string("viewer shader does not link: ") + log);
  }
  u_pv_ = glGetUniformLocation(prog_, "u_pv");
  u_model_ = glGetUniformLocation(prog_, "u_model");
  u_eye_ = glGetUniformLocation(prog_, "u_eye");
  u_flat_ = glGetUniformLocation(prog_, "u_flat");
  u_unlit_ = glGetUniformLocation(prog_, "u_unlit");
  u_use_color_ = glGetUniformLocation(prog_, "u_use_color");
  u_color_ = glGetUniformLocation(prog_, "u_color");
  u_clip_on_ = glGetUniformLocation(prog_, "u_clip_on");
  u_clip_ = glGetUniformLocation(prog_, "u_clip");
  u_alpha_ = glGetUniformLocation(prog_, "u_alpha");
}

void Shader::use() const { glUseProgram(prog_); }
void Shader::set_matrices(const Mat4f& pv, const Mat4f& model) const {
  glUniformMatrix4fv(u_pv_, 1, GL_FALSE, pv.data());  // Eigen is column-major, as GL wants
  glUniformMatrix4fv(u_model_, 1, GL_FALSE, model.data());
}
void Shader::set_eye(const Vec3f& e) const { glUniform3f(u_eye_, e.x(), e.y(), e.z()); }
void Shader::set_flat(bool f) const { glUniform1i(u_flat_, f); }
void Shader::set_unlit(bool u) const { glUniform1i(u_unlit_, u); }
void Shader::set_uniform_color(bool on, const std::array<float, 4>& c) const {
  glUniform1i(u_use_color_, on);
  glUniform4f(u_color_, c[0], c[1], c[2], c[3]);
}
void Shader::set_clip(bool on, const Vec3f& n, float d) const {
  glUniform1i(u_clip_on_, on);
  glUniform4f(u_clip_, n.x(), n.y(), n.z(), d);
}
void Shader::set_alpha(float a) const { glUniform1f(u_alpha_, a); }

Mat4f perspective(float fovy, float aspect, float n, float f) {
  const float t = 1.0f / std::tan(0.5f * fovy);
  Mat4f m = Mat4f::Zero();
  m(0, 0) = t / aspect;
  m(1, 1) = t;
  m(2, 2) = (f + n) / (n - f);
  m(2, 3) = 2 * f * n / (n - f);
  m(3, 2) = -1;
  return m;
}

Mat4f look_at(const Vec3f& eye, const Vec3f& target, const Vec3f& up) {
  const Vec3f f = (target - eye).normalized();
  const Vec3f s = f.cross(up).normalized();
  const Vec3f u = s.cross(f);
  Mat4f m = Mat4f::Identity();
  m.block<1, 3>(0, 0) = s.transpose();
  m.block<1, 3>(1, 0) = u.transpose();
  m.block<1, 3>(2, 0) = -f.transpose();
  m(0, 3) = -s.dot(eye);
  m(1, 3) = -u.dot(eye);
  m(2, 3) = f.dot(eye);
  return m;
}

}  // namespace backroll::gfx
