package io.nemospawn.core.internal;

import io.nemospawn.Principal;
import io.nemospawn.core.internal.state.Layout;
import io.nemospawn.core.internal.state.RecordStore;
import io.nemospawn.state.Authorizer;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The auth checks of one handle: who it acts for and whether it is checked at all (opened with a
 * key, or with a key required). As the {@link RecordStore.Guard} of the handle's store it sees
 * every record written, and maps the file to what it changes: a team's files to that team, {@code
 * config.json} to the settings, the rest to the data directory. Thread-safe.
 */
final class Access implements RecordStore.Guard {
  private final Layout layout;
  private final Authorizer authorizer;
  private final @Nullable Principal principal;
  private final boolean checked;

  Access(Layout layout, Authorizer authorizer, @Nullable Principal principal, boolean checked) {
    this.layout = layout;
    this.authorizer = authorizer;
    this.principal = principal;
    this.checked = checked;
  }

  @Nullable
  Principal principal() {
    return principal;
  }

  /** Refuses a change to one team. */
  void teamChange(String teamId, String what) {
    if (checked) {
      authorizer.checkTeamChange(principal, teamId, what);
    }
  }

  /** Refuses a change to the data directory as a whole (teams created or deleted, profiles). */
  void dataChange(String what) {
    if (checked) {
      authorizer.checkDataChange(principal, what);
    }
  }

  /** Refuses managing settings and users. */
  void administer(String what) {
    if (checked) {
      authorizer.checkAdminister(principal, what);
    }
  }

  @Override
  public void check(Path file, String what) {
    if (!checked) {
      return;
    }
    Path f = file.toAbsolutePath().normalize();
    Path teams = layout.teamsDir().toAbsolutePath().normalize();
    if (f.startsWith(teams) && f.getNameCount() > teams.getNameCount()) {
      String team = f.getName(teams.getNameCount()).toString();
      teamChange(team, what);
    } else if (f.equals(layout.configFile().toAbsolutePath().normalize())) {
      administer("change settings");
    } else {
      dataChange(what);
    }
  }
}
