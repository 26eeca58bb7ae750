#include "anatomy/physiology.h"

#include <algorithm>
#include <stdexcept>

namespace backroll {
namespace {
constexpr double kPaPerMmHg = 133.322;

size_t index_of(const std::vector<std::string>& names, const std::string& name, const char* what) {
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) throw std::invalid_argument(std::string("no ") + what + " \"" + name + "\"");
  return static_cast<size_t>(it - names.begin());
}
}  // namespace

const std::vector<std::string>& tone_names() {
  static const std::vector<std::string> n = {"relaxed", "holding", "guarding"};
  return n;
}

const std::vector<std::string>& breath_names() {
  static const std::vector<std::string> n = {"normal", "held"};
  return n;
}

const std::vector<std::string>& muscle_regions() {
  static const std::vector<std::string> n = {"erector_spinae", "multifidus", "quadratus_lumborum",
                                             "latissimus_dorsi", "trapezius", "rhomboid"};
  return n;
}

const ToneState& PhysiologySpec::tone(const std::string& name) const { return tones.at(index_of(tone_names(), name, "tone")); }

const BreathState& PhysiologySpec::breath(const std::string& name) const {
  return breaths.at(index_of(breath_names(), name, "breath"));
}

std::string default_physiology_path() { return std::string(BACKROLL_ASSET_DIR) + "/physiology/default.toml"; }

PhysiologySpec load_physiology(const std::string& path, const std::vector<ConfigOverride>& overrides) {
  TomlReader r(path, overrides);
  PhysiologySpec p;
  p.source = path;
  p.compression_doubling_N = r.number("spine.compression_doubling_N", 100, 1e5);
  for (const std::string& name : tone_names()) {
    const std::string k = "tone." + name + ".";
    ToneState t;
    t.name = name;
    t.activation_pct = r.number(k + "activation_pct", 0, 100);
    t.trunk_muscle_Nm_per_deg = r.number(k + "trunk_muscle_Nm_per_deg", 0, 5000);
    t.spine_compression_N = r.number(k + "spine_compression_N", 0, 1e4);
    for (const std::string& m : muscle_regions()) t.modulus_factor[m] = r.number(k + "modulus_factor." + m, 0.2, 20);
    p.tones.push_back(t);
  }
  for (const std::string& name : breath_names()) {
    const std::string k = "breath." + name + ".";
    BreathState b;
    b.name = name;
    b.abdominal_pressure_rise_Pa = r.number(k + "abdominal_pressure_rise_mmHg", 0, 100) * kPaPerMmHg;
    b.tone_at_least = r.text(k + "tone_at_least", tone_names());
    p.breaths.push_back(b);
  }
  r.finish();
  return p;
}

const ToneState& effective_tone(const PhysiologySpec& p, const std::string& tone, const std::string& breath) {
  const size_t own = index_of(tone_names(), tone, "tone");
  const size_t floor = index_of(tone_names(), p.breath(breath).tone_at_least, "tone");
  return p.tones.at(std::max(own, floor));
}

void apply_physiology(BodySpec& body, const PhysiologySpec& p, const std::string& tone, const std::string& breath) {
  const ToneState& t = effective_tone(p, tone, breath);
  for (const auto& [region, factor] : t.modulus_factor) {
    const auto it = body.materials.find(region);
    if (it != body.materials.end()) it->second.youngs_modulus_Pa *= factor;
  }
  body.abdominal_pressure_Pa += p.breath(breath).abdominal_pressure_rise_Pa;
}

double preload_stiffening(const PhysiologySpec& p, const ToneState& t) {
  return 1 + t.spine_compression_N / p.compression_doubling_N;
}

}  // namespace backroll
