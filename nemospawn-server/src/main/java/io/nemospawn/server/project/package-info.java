/**
 * Planned projects: a title, a local git repository, a base branch and worker teams, whose tasks
 * live in the first worker team's task graph ({@link io.nemospawn.Team#tasks()}), one git branch
 * per task ({@code project/<project_id>/<task_id>}) worked on in one agent's worktree, and an
 * automatic integration task that merges every branch. {@link
 * io.nemospawn.server.project.Projects} is the library entry point; {@link
 * io.nemospawn.server.project.ProjectProtocolHandler} answers the {@code project_*} commands of
 * {@code codeswarm.router.v1}. See docs/projects.md.
 */
@NullMarked
package io.nemospawn.server.project;

import org.jspecify.annotations.NullMarked;
