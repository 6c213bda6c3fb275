package io.nemospawn.server.project;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A snapshot of one planned project, as stored in {@code <data>/projects/<id>/project.json} (the
 * fields of docs/state-format.md, which are those of Codeswarm's project record where they
 * overlap). Immutable: a copy of the stored JSON.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class Project {
  private final ObjectNode json;

  Project(ObjectNode json) {
    this.json = Objects.requireNonNull(json, "json");
  }

  /**
   * A project from its JSON (an entry of {@code project_list}'s {@code projects}), as a client of
   * the control plane reads it.
   *
   * @param json the project's record; kept, not copied
   * @return the project
   * @since 0.2
   */
  public static Project of(ObjectNode json) {
    return new Project(json);
  }

  /** Returns the project id ({@code proj-<8 hex>}). */
  public String projectId() {
    return json.path("project_id").asString();
  }

  /** Returns the title. */
  public String title() {
    return json.path("title").asString();
  }

  /**
   * Returns the status: {@code draft}, {@code running}, {@code attention} (a task failed and
   * nothing can move), {@code completed} or {@code error}.
   */
  public String status() {
    return json.path("status").asString();
  }

  /** Returns whether nothing will move without a resume or more work: completed, attention, error. */
  public boolean isSettled() {
    String s = status();
    return s.equals("completed") || s.equals("attention") || s.equals("error") || s.equals("draft");
  }

  /** Returns the task ids in dispatch order (the integration task last). */
  public List<String> taskOrder() {
    List<String> out = new ArrayList<>();
    json.path("task_order").forEach(x -> out.add(x.asString()));
    return out;
  }

  /**
   * Returns one task's status: {@code pending}, {@code assigned}, {@code completed} or {@code
   * failed}.
   *
   * @param taskId the task's id in the project
   * @return the status, or "" for an unknown id
   */
  public String taskStatus(String taskId) {
    return json.path("tasks").path(taskId).path("status").asString();
  }

  /**
   * Returns one task's record.
   *
   * @param taskId the task's id in the project
   * @return a copy of the record (a missing node for an unknown id)
   */
  public JsonNode task(String taskId) {
    return json.path("tasks").path(taskId).deepCopy();
  }

  /** Returns a copy of the whole record. */
  public ObjectNode json() {
    return json.deepCopy();
  }

  @Override
  public String toString() {
    return "Project[" + projectId() + " " + status() + " tasks=" + taskOrder().size() + "]";
  }
}
