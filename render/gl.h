// Small OpenGL 3.3 core helpers for the viewer: one shader program and vertex buffers. GL entry
// points come straight from libGL (Mesa exports the 3.3 core functions).
#pragma once

#define GL_GLEXT_PROTOTYPES 1
#include <GL/glcorearb.h>

#include <Eigen/Core>
#include <Eigen/Geometry>
#include <array>
#include <string>
#include <vector>

namespace backroll::gfx {

using Vec3f = Eigen::Vector3f;
using Mat4f = Eigen::Matrix4f;

struct Vertex {
  float pos[3];
  float normal[3];
  float color[4];
};

// A vertex buffer (and optional index buffer) with the layout of Vertex.
class Mesh {
 public:
  Mesh() = default;
  ~Mesh();
  Mesh(const Mesh&) = delete;
  Mesh& operator=(const Mesh&) = delete;
  void upload(const std::vector<Vertex>& v);                      // keeps the indices
  void upload_indices(const std::vector<unsigned>& idx);
  void draw(GLenum mode) const;                                   // indexed if indices exist
  void draw_range(GLenum mode, size_t first, size_t count) const; // a range of the indices
  size_t vertices() const { return n_vertices_; }
  size_t indices() const { return n_indices_; }

 private:
  void ensure();
  GLuint vao_ = 0, vbo_ = 0, ebo_ = 0;
  size_t n_vertices_ = 0, n_indices_ = 0;
};

// The viewer's one shader: Lambert + ambient + a little specular, per-vertex or uniform colour,
// smooth normals or flat ones from screen derivatives, an optional clip plane, an unlit mode.
class Shader {
 public:
  void create();  // throws std::runtime_error with the compile log
  void use() const;
  void set_matrices(const Mat4f& proj_view, const Mat4f& model) const;
  void set_eye(const Vec3f& eye) const;
  void set_flat(bool flat) const;
  void set_unlit(bool unlit) const;
  void set_uniform_color(bool on, const std::array<float, 4>& c = {1, 1, 1, 1}) const;
  void set_clip(bool on, const Vec3f& n = Vec3f::UnitX(), float d = 0) const;
  void set_alpha(float a) const;

 private:
  GLuint prog_ = 0;
  GLint u_pv_ = -1, u_model_ = -1, u_eye_ = -1, u_flat_ = -1, u_unlit_ = -1, u_use_color_ = -1, u_color_ = -1,
        u_clip_on_ = -1, u_clip_ = -1, u_alpha_ = -1;
};

Mat4f perspective(float fovy_rad, float aspect, float znear, float zfar);
Mat4f look_at(const Vec3f& eye, const Vec3f& target, const Vec3f& up);

}  // namespace backroll::gfx
