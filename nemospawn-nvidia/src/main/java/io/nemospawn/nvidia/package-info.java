/**
 * The NVIDIA half: NeMo config overrides, NIM profiles, deployment and benchmarking, and NGC
 * through its documented CLI.
 */
@NullMarked
package io.nemospawn.nvidia;

import org.jspecify.annotations.NullMarked;
