/** The demo agent's machinery: the synthetic data set, the MLP and its SGD training loop. */
@NullMarked
package io.nemospawn.demo.internal;

import org.jspecify.annotations.NullMarked;
