/** The task graph: tasks, their states and dependencies, claims and waits. */
package io.nemospawn.task;
