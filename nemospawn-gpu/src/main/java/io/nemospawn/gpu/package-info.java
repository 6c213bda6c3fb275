/** GPU tool output read outside the probes: {@link io.nemospawn.gpu.NvidiaSmiOutput}. */
@NullMarked
package io.nemospawn.gpu;

import org.jspecify.annotations.NullMarked;
