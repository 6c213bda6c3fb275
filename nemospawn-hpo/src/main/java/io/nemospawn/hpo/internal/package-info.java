/**
 * Implementation of {@code io.nemospawn.hpo}: TPE and its Parzen estimators, random and genetic
 * samplers, the pruners, the storages. Not an API: may change without notice.
 */
@NullMarked
package io.nemospawn.hpo.internal;

import org.jspecify.annotations.NullMarked;
