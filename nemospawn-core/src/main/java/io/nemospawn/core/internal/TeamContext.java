package io.nemospawn.core.internal;

import io.nemospawn.Transport;
import io.nemospawn.core.internal.state.Layout;
import io.nemospawn.core.internal.state.RecordStore;
import io.nemospawn.core.internal.state.StateLock;
import io.nemospawn.core.internal.state.TeamEvents;
import io.nemospawn.spi.TimeSource;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What every part of a team (tasks, inbox, plans …) shares: its id, the layout, the record
 * store, the clock, the audit journal and the event stream. Immutable, thread-safe.
 *
 * @param teamId the team
 * @param layout where files live
 * @param store reads and writes records
 * @param clock the clock
 * @param audit the audit journal
 * @param events the team's event stream
 * @param config the configuration
 * @param transport the transport chosen in Java ({@code NemoSpawn.builder().transport(..)}), or
 *     null to follow the environment and the settings
 */
public record TeamContext(
    String teamId,
    Layout layout,
    RecordStore store,
    InstantSource clock,
    AuditJournal audit,
    TeamEvents events,
    ConfigStore config,
    @Nullable Transport transport) {

  /** A context whose transport follows the environment and the settings. */
  public TeamContext(
      String teamId,
      Layout layout,
      RecordStore store,
      InstantSource clock,
      AuditJournal audit,
      TeamEvents events,
      ConfigStore config) {
    this(teamId, layout, store, clock, audit, events, config, null);
  }

  /** Returns the current time. */
  public Instant now() {
    return clock.instant();
  }

  /**
   * Returns the time waits, timeouts and polling measure: the clock itself when it is a {@link
   * TimeSource} (a simulated clock), else real time.
   */
  public TimeSource time() {
    return TimeSource.of(clock);
  }

  /** Returns the team directory. */
  public Path dir() {
    return layout.teamDir(teamId);
  }

  /** Returns a record directory of the team. */
  public Path sub(String name) {
    return layout.teamSub(teamId, name);
  }

  /** Takes one of the team's locks ({@code graph}, {@code plans}, {@code agents} …). */
  public StateLock lock(String name) {
    return StateLock.acquire(layout.teamLock(teamId, name));
  }

  /** Appends an audit entry for this team. */
  public void audit(String event, String agentId, Map<String, Object> details) {
    audit.append(event, teamId, agentId, details);
  }

  /** Appends audit entries of one event for this team in one write ({@link AuditJournal#appendAll}). */
  public void auditAll(String event, java.util.List<AuditJournal.Line> lines) {
    audit.appendAll(event, teamId, lines);
  }

  /**
   * Appends them without forcing, whatever the durability, for a batch that forces {@link
   * #auditFile()} itself afterwards.
   */
  public void auditAllUnforced(String event, java.util.List<AuditJournal.Line> lines) {
    audit.appendAll(event, teamId, lines, false);
  }

  /** The current audit file. */
  public Path auditFile() {
    return audit.file();
  }
}
