package io.nemospawn.spi;

import io.nemospawn.StateException;
import io.nemospawn.inbox.Message;
import java.util.List;
import org.apiguardian.api.API;

/**
 * The result of reading an inbox: the messages, oldest first, and the files that could not be
 * read. A bad file never hides the good ones; callers print both.
 *
 * @param messages the messages, oldest first
 * @param problems the unreadable files, in name order
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record InboxBatch(List<Message> messages, List<MessageProblem> problems) {
  private static final InboxBatch EMPTY = new InboxBatch(List.of(), List.of());

  /** Copies the lists. */
  public InboxBatch {
    messages = List.copyOf(messages);
    problems = List.copyOf(problems);
  }

  /** Returns a batch with neither messages nor problems. */
  public static InboxBatch empty() {
    return EMPTY;
  }

  /** Returns whether there are neither messages nor problems. */
  public boolean isEmpty() {
    return messages.isEmpty() && problems.isEmpty();
  }

  /** Returns whether some file could not be read. */
  public boolean hasProblems() {
    return !problems.isEmpty();
  }

  /**
   * Returns the messages, or throws for the first problem.
   *
   * @throws StateException naming the first unreadable file and the reason
   */
  public List<Message> messagesOrThrow() {
    if (!problems.isEmpty()) {
      MessageProblem p = problems.get(0);
      throw new StateException(p.path(), "Cannot read message " + p.path() + ": " + p.reason());
    }
    return messages;
  }
}
