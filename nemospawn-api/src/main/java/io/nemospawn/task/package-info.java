/** The task graph: tasks, their states and dependencies, claims and waits. */
@NullMarked
package io.nemospawn.task;

import org.jspecify.annotations.NullMarked;
