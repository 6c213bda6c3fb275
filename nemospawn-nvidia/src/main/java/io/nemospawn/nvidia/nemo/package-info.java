/**
 * NeMo (Hydra/OmegaConf) YAML configs: {@link io.nemospawn.nvidia.nemo.NemoConfig} loads them,
 * applies Hydra-style {@link io.nemospawn.nvidia.nemo.NemoOverride overrides} typed against the
 * config, writes them back in key order, diffs two of them and computes a canonical hash.
 */
@NullMarked
package io.nemospawn.nvidia.nemo;

import org.jspecify.annotations.NullMarked;
