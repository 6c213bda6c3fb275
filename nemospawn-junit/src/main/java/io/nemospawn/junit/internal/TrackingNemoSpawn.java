package io.nemospawn.junit.internal;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.TeamBuilder;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * Wraps a {@link NemoSpawn} so that every {@link Team} opened through it is recorded, and the
 * leak check can name the teams a test opened and did not close. Works through dynamic proxies,
 * so it follows the public interfaces as they grow. Thread-safe.
 */
public final class TrackingNemoSpawn {
  private final NemoSpawn delegate;
  private final NemoSpawn proxy;
  private final List<TrackedTeam> opened = new CopyOnWriteArrayList<>();

  public TrackingNemoSpawn(NemoSpawn delegate) {
    this.delegate = delegate;
    this.proxy = proxy(NemoSpawn.class, delegate, this::onNemoSpawn);
  }

  /** Returns the tracking view to hand to tests. */
  public NemoSpawn nemoSpawn() {
    return proxy;
  }

  /** Returns the real handle. */
  public NemoSpawn delegate() {
    return delegate;
  }

  /** Returns the ids of the teams opened since {@code mark} and not closed since. */
  public List<String> openTeamsSince(int mark) {
    List<String> out = new ArrayList<>();
    for (int i = mark; i < opened.size(); i++) {
      TrackedTeam t = opened.get(i);
      if (!t.closed) {
        out.add(t.id);
      }
    }
    return out;
  }

  /** Returns a mark for {@link #openTeamsSince}. */
  public int mark() {
    return opened.size();
  }

  private Object onNemoSpawn(Method m, Object[] args) throws Throwable {
    Object result = invoke(delegate, m, args);
    switch (m.getName()) {
      case "team":
        return track((Team) result);
      case "findTeam":
        return ((Optional<?>) result).map(t -> track((Team) t));
      case "newTeam":
        TeamBuilder b = (TeamBuilder) result;
        return proxy(TeamBuilder.class, b, (bm, bargs) -> {
          Object r = invoke(b, bm, bargs);
          if (bm.getName().equals("create")) {
            return track((Team) r);
          }
          // Builder methods return the builder itself: keep returning the tracking one.
          return r == b ? null : r;
        });
      default:
        return result;
    }
  }

  private Team track(Team team) {
    TrackedTeam t = new TrackedTeam(team.id());
    opened.add(t);
    return proxy(Team.class, team, (m, args) -> {
      if (m.getName().equals("close") && m.getParameterCount() == 0) {
        t.closed = true;
      }
      return invoke(team, m, args);
    });
  }

  private static final class TrackedTeam {
    final String id;
    volatile boolean closed;

    TrackedTeam(String id) {
      this.id = id;
    }
  }

  @FunctionalInterface
  private interface Handler {
    @Nullable
    Object handle(Method m, Object[] args) throws Throwable;
  }

  private static <T> T proxy(Class<T> type, T target, Handler handler) {
    Object[] self = new Object[1];
    InvocationHandler h = (p, m, args) -> {
      if (m.getDeclaringClass() == Object.class) {
        switch (m.getName()) {
          case "equals":
            return p == args[0];
          case "hashCode":
            return System.identityHashCode(p);
          default:
            return m.invoke(target, args);
        }
      }
      Object r = handler.handle(m, args);
      return r == null && m.getReturnType() == type ? self[0] : r;
    };
    T p = type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, h));
    self[0] = p;
    return p;
  }

  private static Object invoke(Object target, Method m, Object[] args) throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
