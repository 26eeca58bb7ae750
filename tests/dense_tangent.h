// The tangent an evaluation built, as one dense matrix: the tets' part in the model's fixed
// pattern (the cells' pressure stiffness with it), the triplets (joints, contacts, both parts of the contact curvature) and the dense rank-one parts (fluid cavities). For
// tests that hold it against finite differences.
#pragma once

#include <Eigen/Dense>
#include <Eigen/SparseCore>
#include <algorithm>
#include <vector>

#include "fem/fem_terms.h"

namespace backroll {

inline Eigen::MatrixXd dense_tangent(const FemModel& m, const fem_terms::Eval& ev) {
  Eigen::SparseMatrix<double> K(m.n_dofs, m.n_dofs), Kd(m.n_dofs, m.n_dofs);
  std::vector<fem_terms::Triplet> all = ev.trip;  // the contact curvature's negative part too
  all.insert(all.end(), ev.trip_neg.begin(), ev.trip_neg.end());
  Kd.setFromTriplets(all.begin(), all.end());
  K.resizeNonZeros(static_cast<Eigen::Index>(m.elastic_pattern.inner.size()));
  std::copy(m.elastic_pattern.outer.begin(), m.elastic_pattern.outer.end(), K.outerIndexPtr());
  std::copy(m.elastic_pattern.inner.begin(), m.elastic_pattern.inner.end(), K.innerIndexPtr());
  std::copy(ev.k_elastic.begin(), ev.k_elastic.end(), K.valuePtr());
  for (size_t i = 0; i < ev.k_pressure.size(); ++i) K.valuePtr()[i] += ev.k_pressure[i];
  Eigen::MatrixXd H = Eigen::MatrixXd(K) + Eigen::MatrixXd(Kd);
  for (const fem_terms::RankOne& r : ev.rank_one) H += r.k * r.v * r.v.transpose();
  return H;
}

}  // namespace backroll
