/** Plan approval: agents submit plans, reviewers approve or reject them. */
package io.nemospawn.plan;
