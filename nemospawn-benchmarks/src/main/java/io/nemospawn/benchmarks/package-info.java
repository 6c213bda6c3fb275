/**
 * JMH benchmarks. Fork, warm-up and iteration defaults are the ones given on the command line in
 * {@code docs/benchmarks.md}; each class says what it measures.
 */
@NullMarked
package io.nemospawn.benchmarks;

import org.jspecify.annotations.NullMarked;
