// The body's own response on a roller, read from a file in assets/physiology/: the trunk muscles'
// tone (relaxed, holding, guarding) and the breath (normal, held). A scenario names a tone and a
// breath; together they set the segment stiffness the muscles add, the muscle tissue's modulus,
// the compression co-contraction adds along the spine, and the abdomen's pressure.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "anatomy/body_spec.h"
#include "io/toml_reader.h"

namespace backroll {

// One level of trunk-muscle activation.
struct ToneState {
  std::string name;
  double activation_pct = 0;            // % of maximal voluntary contraction (what it stands for)
  double trunk_muscle_Nm_per_deg = 0;   // added to every motion segment, each axis
  double spine_compression_N = 0;       // co-contraction's compression along the spine
  std::map<std::string, double> modulus_factor;  // per muscle region: x the body file's modulus
};

struct BreathState {
  std::string name;
  double abdominal_pressure_rise_Pa = 0;  // on top of the body file's resting pressure
  std::string tone_at_least;              // the tone a breath raises the muscles to, at least
};

struct PhysiologySpec {
  std::string source;
  // The spine's own rotational stiffness under a compression C: x (1 + C / this).
  double compression_doubling_N = 1200;
  std::vector<ToneState> tones;          // in tone_names() order
  std::vector<BreathState> breaths;      // in breath_names() order
  const ToneState& tone(const std::string& name) const;
  const BreathState& breath(const std::string& name) const;
};

// The tones in order of effort, and the breaths.
const std::vector<std::string>& tone_names();    // relaxed, holding, guarding
const std::vector<std::string>& breath_names();  // normal, held
// The muscle regions a tone's modulus factor applies to (every one must be given).
const std::vector<std::string>& muscle_regions();

// Reads and checks a physiology file; throws ConfigError (file:line, key, value, allowed range).
PhysiologySpec load_physiology(const std::string& path, const std::vector<ConfigOverride>& overrides = {});
std::string default_physiology_path();  // assets/physiology/default.toml

// The tone the muscles have with this breath: the named one, raised to the breath's floor.
const ToneState& effective_tone(const PhysiologySpec& p, const std::string& tone, const std::string& breath);
// The tone's muscle moduli and the breath's abdominal pressure written into a body's data.
void apply_physiology(BodySpec& body, const PhysiologySpec& p, const std::string& tone, const std::string& breath);
// The factor on a motion segment's own rotational stiffness under the tone's compression.
double preload_stiffening(const PhysiologySpec& p, const ToneState& t);

}  // namespace backroll
