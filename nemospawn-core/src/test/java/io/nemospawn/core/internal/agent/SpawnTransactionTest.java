package io.nemospawn.core.internal.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one place a failed spawn is rolled back. */
class SpawnTransactionTest {
  @Test
  void rollbackUndoesEveryStepLastFirstAndSuppressesTheUndoFailures() {
    List<String> undone = new ArrayList<>();
    SpawnTransaction tx = new SpawnTransaction();
    tx.onRollback("the reservation", cause -> undone.add("reservation: " + cause.getMessage()));
    tx.onRollback("the worktree", cause -> {
      undone.add("worktree");
      throw new IllegalStateException("worktree is locked");
    });
    tx.onRollback("the process", cause -> undone.add("process"));
    RuntimeException failure = new IllegalStateException("launch failed");

    tx.rollback(failure);

    assertThat(undone).containsExactly("process", "worktree", "reservation: launch failed");
    assertThat(failure.getSuppressed())
        .singleElement()
        .satisfies(s -> assertThat(s)
            .hasMessage("Cannot undo the worktree after the failed spawn: worktree is locked")
            .hasCauseInstanceOf(IllegalStateException.class));
    tx.rollback(failure);
    assertThat(undone).hasSize(3);
  }

  @Test
  void aCommittedSpawnIsNotUndone() {
    List<String> undone = new ArrayList<>();
    SpawnTransaction tx = new SpawnTransaction();
    tx.onRollback("the reservation", cause -> undone.add("reservation"));
    tx.commit();
    tx.rollback(new IllegalStateException("late"));
    assertThat(undone).isEmpty();
    assertThatThrownBy(() -> tx.onRollback("more", cause -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'more'");
  }
}
