/**
 * NGC through its documented command-line tools: {@link io.nemospawn.nvidia.ngc.Ngc} checks the
 * login, lists, downloads and uploads model versions and pushes containers to nvcr.io, from
 * argument lists, with names checked first and credentials kept off command lines and out of
 * output.
 */
@NullMarked
package io.nemospawn.nvidia.ngc;

import org.jspecify.annotations.NullMarked;
