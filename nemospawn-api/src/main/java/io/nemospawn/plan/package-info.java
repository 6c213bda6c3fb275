/** Plan approval: agents submit plans, reviewers approve or reject them. */
@NullMarked
package io.nemospawn.plan;

import org.jspecify.annotations.NullMarked;
