package io.nemospawn;

import java.util.NoSuchElementException;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * An exception that says, besides its message, which action fixes it, so that a tool can add how
 * to do it in its own terms (the CLI adds its {@code nemospawn …} line; a board, a button). The
 * message names the values and the library method; the exception types stay the JDK's: catch
 * {@link IllegalArgumentException}, {@link IllegalStateException} or {@link
 * NoSuchElementException} as before, and test for this interface to read the {@link #remedy()}.
 *
 * @since 0.3
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.3")
public interface Remedied {
  /** Returns the action that fixes the failure. */
  Remedy remedy();

  /** An action that fixes a failure. */
  enum Action {
    /** List the team's tasks ({@code Tasks.list()}); subject: the unknown task id. */
    LIST_TASKS,
    /** Create a team ({@code NemoSpawn.newTeam}); there is none. */
    CREATE_TEAM,
    /** Submit a plan ({@code Plans.submit}); the team has none. */
    SUBMIT_PLAN,
    /** Register an artifact ({@code Artifacts.register}); the team has none. */
    REGISTER_ARTIFACT,
    /** Create a profile ({@code Profiles.create}); subject: the missing profile. */
    CREATE_PROFILE,
    /** Delete the profile first ({@code Profiles.delete}); subject: its name. */
    DELETE_PROFILE,
    /** Reassign the task first ({@code Tasks.update}); subject: the task, detail: the owner. */
    REASSIGN_TASK,
    /** Claim the task first ({@code Tasks.claim}); subject: the task. */
    CLAIM_TASK,
    /** Stop the running agent first ({@code Agent.stop}); subject: its id. */
    STOP_AGENT,
    /** Create the study ({@code Hpo.init}); subject: the study name. */
    CREATE_STUDY,
    /** Choose a built-in template or give a template file; subject: the name given. */
    LIST_TEMPLATES
  }

  /**
   * The action, what it applies to and where.
   *
   * @param action the action
   * @param subject the id or name it applies to, or empty
   * @param teamId the team, or empty
   * @param detail a further value (the new owner of {@link Action#REASSIGN_TASK}), or empty
   */
  record Remedy(Action action, String subject, String teamId, String detail)
      implements java.io.Serializable {
    /** Checks. */
    public Remedy {
      Objects.requireNonNull(action, "action");
      Objects.requireNonNull(subject, "subject");
      Objects.requireNonNull(teamId, "teamId");
      Objects.requireNonNull(detail, "detail");
    }

    /** A remedy without a further value. */
    public static Remedy of(Action action, String subject, String teamId) {
      return new Remedy(action, subject, teamId, "");
    }
  }

  /** An {@link IllegalArgumentException} with a remedy. */
  final class InvalidArgument extends IllegalArgumentException implements Remedied {
    private static final long serialVersionUID = 1L;
    private final Remedy remedy;

    /** Creates one. */
    public InvalidArgument(Remedy remedy, String message) {
      super(message);
      this.remedy = Objects.requireNonNull(remedy, "remedy");
    }

    @Override
    public Remedy remedy() {
      return remedy;
    }
  }

  /** An {@link IllegalStateException} with a remedy. */
  final class InvalidState extends IllegalStateException implements Remedied {
    private static final long serialVersionUID = 1L;
    private final Remedy remedy;

    /** Creates one. */
    public InvalidState(Remedy remedy, String message) {
      super(message);
      this.remedy = Objects.requireNonNull(remedy, "remedy");
    }

    @Override
    public Remedy remedy() {
      return remedy;
    }
  }

  /** A {@link NoSuchElementException} with a remedy. */
  final class NotFound extends NoSuchElementException implements Remedied {
    private static final long serialVersionUID = 1L;
    private final Remedy remedy;

    /** Creates one. */
    public NotFound(Remedy remedy, String message) {
      super(message);
      this.remedy = Objects.requireNonNull(remedy, "remedy");
    }

    @Override
    public Remedy remedy() {
      return remedy;
    }
  }
}
