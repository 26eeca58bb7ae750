#!/usr/bin/env bash
# Installs exactly the Debian packages backroll needs that are missing. Idempotent: a second run
# installs nothing and does not touch apt's lists.
set -euo pipefail
PKGS=(cmake g++ make pkg-config
      libeigen3-dev libbullet-dev catch2
      libtomlplusplus-dev libcli11-dev libfmt-dev nlohmann-json3-dev
      libsuitesparse-dev libopenblas0-pthread libstb-dev libgif-dev
      libimgui-dev libglfw3-dev libgl-dev libgl1-mesa-dri fonts-dejavu-core xvfb xauth)
# The viewer: Dear ImGui (its GLFW and OpenGL 3 backends are in libimgui.a), GLFW, the GL
# headers; Mesa's software renderer and Xvfb let it run (and its screenshot test) without a
# screen; DejaVu Sans is its font. libgif-dev (giflib): its recorded animations (`view --record`).
# libsuitesparse-dev: CHOLMOD, the sparse Cholesky under the solver. libopenblas0-pthread: a fast
# BLAS for CHOLMOD's dense blocks (the reference BLAS is ~3x slower) that is safe to call from
# several threads at once; backroll sets it to one thread a call, so results do not depend on the
# thread count. With Debian's serial OpenBLAS (or any other BLAS) backroll still works, one
# factorisation at a time (README, "Threads and determinism").
missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PKGS[@]} packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
