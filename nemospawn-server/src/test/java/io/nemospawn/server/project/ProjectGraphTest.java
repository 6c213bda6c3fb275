package io.nemospawn.server.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProjectGraphTest {
  @Test
  void aValidGraphPassesAndGetsTheIntegrationTaskLast() {
    List<ProjectTask> tasks = List.of(
        ProjectTask.of("a", "A", "do a"),
        ProjectTask.of("b", "B", "do b", "a"),
        ProjectTask.of("c", "C", "do c", "a"));
    List<ProjectTask> all = ProjectGraph.withIntegration(ProjectGraph.validate(tasks));
    assertThat(all).extracting(ProjectTask::taskId).containsExactly("a", "b", "c", "integration");
    assertThat(all.get(3).dependsOn()).containsExactly("a", "b", "c");
    assertThat(all.get(3).integration()).isTrue();
  }

  @Test
  void duplicateIdsAreNamed() {
    assertThatThrownBy(() -> ProjectGraph.validate(
            List.of(ProjectTask.of("a", "A", "x"), ProjectTask.of("a", "A2", "y"))))
        .isInstanceOf(ProjectGraphException.class)
        .hasMessage("Invalid project task graph: task id 'a' is used twice; give each task its"
            + " own id");
  }

  @Test
  void unknownDependenciesAreNamedWithTheKnownTasks() {
    assertThatThrownBy(() -> ProjectGraph.validate(
            List.of(ProjectTask.of("a", "A", "x"), ProjectTask.of("b", "B", "y", "zz"))))
        .isInstanceOf(ProjectGraphException.class)
        .hasMessage("Invalid project task graph: task 'b' depends on unknown task 'zz'; known"
            + " tasks: [a, b]");
  }

  @Test
  void cyclesAreFoundAndShown() {
    assertThatThrownBy(() -> ProjectGraph.validate(List.of(
            ProjectTask.of("a", "A", "x", "c"),
            ProjectTask.of("b", "B", "y", "a"),
            ProjectTask.of("c", "C", "z", "b"),
            ProjectTask.of("d", "D", "w"))))
        .isInstanceOf(ProjectGraphException.class)
        .hasMessage("Invalid project task graph: the dependencies form a cycle: a -> c -> b -> a;"
            + " remove one of these dependencies");
    assertThatThrownBy(() -> ProjectGraph.validate(List.of(ProjectTask.of("a", "A", "x", "a"))))
        .hasMessageContaining("task 'a' depends on itself");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "../x",
        "$(id)",
        "a b",
        "x'y",
        "new\nline",
        ".hidden",
        "a..b",
        "x.lock",
        "ends.",
        ""
      })
  void hostileIdsAreRefusedBeforeAnythingIsWritten(String id) {
    assertThatThrownBy(() -> ProjectGraph.validate(List.of(ProjectTask.of(id, "A", "x"))))
        .isInstanceOf(ProjectGraphException.class)
        .hasMessageContaining("invalid task id '")
        .hasMessageContaining("it becomes part of a git branch name");
  }

  @Test
  void missingTitleAndPromptAreNamedTogether() {
    assertThatThrownBy(() -> ProjectGraph.validate(List.of(ProjectTask.of("a", " ", ""))))
        .isInstanceOf(ProjectGraphException.class)
        .satisfies(e -> assertThat(((ProjectGraphException) e).problems())
            .containsExactly("task 'a' has no title", "task 'a' has no prompt"));
  }

  @Test
  void theIntegrationIdIsReserved() {
    assertThatThrownBy(
            () -> ProjectGraph.withIntegration(List.of(ProjectTask.of("integration", "I", "x"))))
        .hasMessageContaining("task id 'integration' is reserved");
  }

  @Test
  void plannerAnswersAreReadFromTheLastFencedGraph() {
    String answer = "thinking...\nTASK_GRAPH_JSON\n```json\n{\"tasks\": []}\n```\n"
        + "TASK_GRAPH_JSON\n```json\n{\"tasks\": [{\"task_id\": \"x\", \"title\": \"X\","
        + " \"prompt\": \"p\"}, {\"title\": \"Y\", \"prompt\": \"q\", \"depends_on\": [\"x\"]}]}\n```";
    List<ProjectTask> tasks = ProjectGraph.parsePlannerAnswer(answer);
    assertThat(tasks).extracting(ProjectTask::taskId).containsExactly("x", "T-002");
    assertThat(tasks.get(1).dependsOn()).containsExactly("x");
  }

  @Test
  void aPlannerAnswerWithoutAGraphSaysWhatIsExpected() {
    assertThatThrownBy(() -> ProjectGraph.parsePlannerAnswer("I could not do it"))
        .isInstanceOf(ProjectGraphException.class)
        .hasMessageContaining(
            "no task graph in the planner's answer: the answer has no" + " TASK_GRAPH_JSON marker");
    assertThatThrownBy(() -> ProjectGraph.parsePlannerAnswer("TASK_GRAPH_JSON {oops"))
        .hasMessageContaining("does not parse");
  }

  @Test
  void readyTasksFollowTheTaskOrder() {
    assertThat(ProjectGraph.ready(
            List.of("a", "b", "c", "d"),
            Map.of("b", List.of("a"), "c", List.of(), "d", List.of("c")),
            Set.of("b", "c", "d"),
            Set.of("a")))
        .containsExactly("b", "c");
  }
}
