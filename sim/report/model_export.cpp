#include "report/model_export.h"

#include <algorithm>
#include <array>
#include <fmt/core.h>
#include <map>

namespace backroll {

namespace {
std::string field_array(const VtuField& f) {
  std::string s = fmt::format("<DataArray type=\"Float64\" Name=\"{}\" NumberOfComponents=\"{}\" format=\"ascii\">\n", f.name,
                              f.components);
  for (size_t i = 0; i < f.values.size(); ++i) s += fmt::format("{:.9g}{}", f.values[i], (i + 1) % f.components ? " " : "\n");
  return s + "</DataArray>\n";
}
}  // namespace

std::string tissue_vtu(const BodyModel& m, const std::vector<Vec3>& x, const std::vector<VtuField>& extra) {
  const TetMesh& mesh = m.fem.mesh;
  std::string s;
  s += "<?xml version=\"1.0\"?>\n<VTKFile type=\"UnstructuredGrid\" version=\"0.1\" byte_order=\"LittleEndian\">\n";
  s += "<UnstructuredGrid>\n<FieldData>\n";
  std::string names;
  for (const std::string& r : region_names()) names += (names.empty() ? "" : ";") + r;
  s += "<DataArray type=\"String\" Name=\"region_names\" NumberOfTuples=\"1\" format=\"ascii\">";
  for (char c : names) s += fmt::format("{} ", static_cast<int>(static_cast<unsigned char>(c)));
  s += "0</DataArray>\n</FieldData>\n";
  s += fmt::format("<Piece NumberOfPoints=\"{}\" NumberOfCells=\"{}\">\n", mesh.n_nodes(), mesh.n_tets());
  s += "<Points><DataArray type=\"Float64\" NumberOfComponents=\"3\" format=\"ascii\">\n";
  for (const Vec3& p : x) s += fmt::format("{:.9g} {:.9g} {:.9g}\n", p.x(), p.y(), p.z());
  s += "</DataArray></Points>\n<Cells>\n<DataArray type=\"Int32\" Name=\"connectivity\" format=\"ascii\">\n";
  for (const Tet& t : mesh.tets) s += fmt::format("{} {} {} {}\n", t[0], t[1], t[2], t[3]);
  s += "</DataArray>\n<DataArray type=\"Int32\" Name=\"offsets\" format=\"ascii\">\n";
  for (int t = 0; t < mesh.n_tets(); ++t) s += fmt::format("{}\n", 4 * (t + 1));
  s += "</DataArray>\n<DataArray type=\"UInt8\" Name=\"types\" format=\"ascii\">\n";
  for (int t = 0; t < mesh.n_tets(); ++t) s += "10\n";
  s += "</DataArray>\n</Cells>\n<CellData Scalars=\"region\">\n";
  s += "<DataArray type=\"Int32\" Name=\"region\" format=\"ascii\">\n";
  for (int r : m.tet_region) s += fmt::format("{}\n", r);
  s += "</DataArray>\n";
  const char* fields[] = {"youngs_modulus_Pa", "poisson_ratio", "density_kg_m3"};
  for (int f = 0; f < 3; ++f) {
    s += fmt::format("<DataArray type=\"Float64\" Name=\"{}\" format=\"ascii\">\n", fields[f]);
    for (int r : m.tet_region) {
      const TissueMaterial& tm = region_material(m.params, r);
      s += fmt::format("{:.9g}\n", f == 0 ? tm.youngs_modulus_Pa : f == 1 ? tm.poisson_ratio : tm.density_kg_m3);
    }
    s += "</DataArray>\n";
  }
  for (const VtuField& f : extra)
    if (f.per_cell) s += field_array(f);
  s += "</CellData>\n<PointData>\n<DataArray type=\"Int32\" Name=\"attached_bone\" format=\"ascii\">\n";
  for (int n = 0; n < mesh.n_nodes(); ++n) s += fmt::format("{}\n", m.fem.node_body.empty() ? -1 : m.fem.node_body[n]);
  s += "</DataArray>\n";
  for (const VtuField& f : extra)
    if (!f.per_cell) s += field_array(f);
  s += "</PointData>\n</Piece>\n</UnstructuredGrid>\n</VTKFile>\n";
  return s;
}

std::string state_vtu(const BodyModel& m, const FemState& st, const Mat3& R, const std::vector<double>& skin_pressure_Pa) {
  const TetMesh& mesh = m.fem.mesh;
  const std::vector<Vec3> x = node_positions(m.fem, st);
  std::vector<Vec3> xw(x.size());
  VtuField disp{"displacement_m", false, 3, {}}, pressure{"skin_pressure_Pa", false, 1, std::vector<double>(x.size(), 0.0)};
  for (size_t i = 0; i < x.size(); ++i) {
    xw[i] = R * x[i];
    const Vec3 d = R * (x[i] - mesh.X[i]);
    disp.values.insert(disp.values.end(), {d.x(), d.y(), d.z()});
  }
  for (size_t k = 0; k < m.skin_nodes.size() && k < skin_pressure_Pa.size(); ++k) pressure.values[m.skin_nodes[k]] = skin_pressure_Pa[k];
  // A fluid tet (the abdomen) carries no stress of its own and may fold: its value is the fluid's
  // pressure at its centroid.
  std::vector<CavityReading> fluid;
  for (size_t c = 0; c < m.fem.cavities.size(); ++c) fluid.push_back(cavity_reading(m.fem, st, static_cast<int>(c), x));
  VtuField hydro{"hydrostatic_pressure_Pa", true, 1, {}};
  for (int t = 0; t < mesh.n_tets(); ++t) {
    const Tet& e = mesh.tets[t];
    const int c = m.fem.tet_cavity[t];
    hydro.values.push_back(c >= 0 ? fluid[c].pressure_at(0.25 * (x[e[0]] + x[e[1]] + x[e[2]] + x[e[3]]))
                                  : hydrostatic_pressure_Pa(m.fem, x, t));
  }
  return tissue_vtu(m, xw, {disp, pressure, hydro});
}

std::string vtu_series(const std::vector<std::string>& files) {
  std::string s = "<?xml version=\"1.0\"?>\n<VTKFile type=\"Collection\" version=\"0.1\" byte_order=\"LittleEndian\">\n<Collection>\n";
  for (size_t i = 0; i < files.size(); ++i) s += fmt::format("<DataSet timestep=\"{}\" part=\"0\" file=\"{}\"/>\n", i, files[i]);
  return s + "</Collection>\n</VTKFile>\n";
}

std::string model_obj(const BodyModel& m, const std::vector<Vec3>& x) {
  const TetMesh& mesh = m.fem.mesh;
  std::string s = "# backroll torso model: tissue surface by region, bones as boxes (metres)\n";
  for (const Vec3& p : x) s += fmt::format("v {:.9g} {:.9g} {:.9g}\n", p.x(), p.y(), p.z());
  // Each region's closed surface: the tissue's outer faces and the faces between two regions (a
  // kidney inside the fat and the abdomen's fluid), each turned outwards from its own tet.
  std::vector<std::vector<Tri>> by_region(region_names().size());
  {
    std::map<std::array<int, 3>, std::vector<std::pair<int, Tri>>> faces;  // sorted face -> (tet, outward face)
    for (int t = 0; t < mesh.n_tets(); ++t) {
      const Tet& e = mesh.tets[t];
      for (int a = 0; a < 4; ++a) {
        Tri f = {e[(a + 1) % 4], e[(a + 2) % 4], e[(a + 3) % 4]};
        const Vec3 n = (mesh.X[f[1]] - mesh.X[f[0]]).cross(mesh.X[f[2]] - mesh.X[f[0]]);
        if (n.dot(mesh.X[f[0]] - mesh.X[e[a]]) < 0) std::swap(f[1], f[2]);  // away from the opposite node
        std::array<int, 3> k = f;
        std::sort(k.begin(), k.end());
        faces[k].emplace_back(t, f);
      }
    }
    for (const auto& [key, owners] : faces)
      for (const auto& [t, f] : owners)
        if (owners.size() == 1 || m.tet_region[owners[0].first] != m.tet_region[owners[1].first])
          by_region[m.tet_region[t]].push_back(f);
  }
  for (size_t r = 0; r < by_region.size(); ++r) {
    if (by_region[r].empty()) continue;
    s += fmt::format("o {}\n", region_names()[r]);
    for (const Tri& f : by_region[r]) s += fmt::format("f {} {} {}\n", f[0] + 1, f[1] + 1, f[2] + 1);
  }
  int base = static_cast<int>(x.size());
  for (const Bone& b : m.bones) {
    s += fmt::format("o bone_{}\n", b.name);
    for (const BoneBox& bx : b.boxes) {
      for (int c = 0; c < 8; ++c) {
        const Vec3 q = bx.centre_m + bx.axes * Vec3((c & 1 ? 1 : -1) * bx.half_m.x(), (c & 2 ? 1 : -1) * bx.half_m.y(),
                                                    (c & 4 ? 1 : -1) * bx.half_m.z());
        s += fmt::format("v {:.9g} {:.9g} {:.9g}\n", q.x(), q.y(), q.z());
      }
      const int quads[6][4] = {{0, 2, 3, 1}, {4, 5, 7, 6}, {0, 1, 5, 4}, {2, 6, 7, 3}, {0, 4, 6, 2}, {1, 3, 7, 5}};
      for (const auto& q : quads)
        s += fmt::format("f {} {} {} {}\n", base + q[0] + 1, base + q[1] + 1, base + q[2] + 1, base + q[3] + 1);
      base += 8;
    }
  }
  return s;
}

}  // namespace backroll
