/** The demo agent's machinery: the synthetic data set, the MLP and its SGD training loop. */
package io.nemospawn.demo.internal;
