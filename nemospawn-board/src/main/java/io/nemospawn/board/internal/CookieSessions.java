package io.nemospawn.board.internal;

import com.sun.net.httpserver.HttpExchange;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The browser sessions of the board and of the web console: a random id in an HttpOnly,
 * SameSite=Strict cookie, a CSRF token per session that every change must echo in {@code
 * X-CSRF-Token}, and a change must come from the page's own origin. At most {@link #MAX} live
 * sessions, each {@link #LIFETIME} long. Thread-safe.
 *
 * @param <P> what a session knows of who logged in (a principal, a key)
 */
final class CookieSessions<P> {
  static final int MAX = 1000;
  static final Duration LIFETIME = Duration.ofHours(12);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A live session: the token its changes must carry, when it ends, and who it is. */
  record Session<P>(String csrf, Instant expires, P who) {}

  private final String cookie;
  private final ConcurrentHashMap<String, Session<P>> sessions = new ConcurrentHashMap<>();

  CookieSessions(String cookie) {
    this.cookie = cookie;
  }

  /**
   * Opens a session for {@code who} and sets its cookie on the response, after dropping the
   * expired ones; null when {@link #MAX} sessions are live.
   */
  @Nullable
  Session<P> open(HttpExchange ex, P who) {
    Instant now = Instant.now();
    sessions.values().removeIf(s -> s.expires().isBefore(now));
    if (sessions.size() >= MAX) {
      return null;
    }
    String id = token();
    Session<P> s = new Session<>(token(), now.plus(LIFETIME), who);
    sessions.put(id, s);
    ex.getResponseHeaders()
        .add(
            "Set-Cookie",
            cookie + "=" + id + "; Path=/; Max-Age=" + LIFETIME.toSeconds()
                + "; HttpOnly; SameSite=Strict");
    return s;
  }

  /** The request's live session, or null. */
  @Nullable
  Session<P> find(HttpExchange ex) {
    String id = BoardHttp.cookie(ex, cookie);
    Session<P> s = id == null ? null : sessions.get(id);
    return s == null || s.expires().isBefore(Instant.now()) ? null : s;
  }

  /** Ends the request's session, if any, and clears its cookie on the response. */
  void close(HttpExchange ex) {
    String id = BoardHttp.cookie(ex, cookie);
    if (id != null) {
      sessions.remove(id);
    }
    ex.getResponseHeaders()
        .add("Set-Cookie", cookie + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
  }

  /**
   * Why a change sent with session {@code s} is refused ("403 …"), or null: its {@code Origin}
   * must be the page's own ({@code what} names the page in the message) and its {@code
   * X-CSRF-Token} the session's.
   */
  static @Nullable String refuseChange(HttpExchange ex, Session<?> s, String what) {
    String origin = ex.getRequestHeaders().getFirst("Origin");
    String host = ex.getRequestHeaders().getFirst("Host");
    if (origin == null || host == null || !origin.equalsIgnoreCase("http://" + host)) {
      return "403 Cross-origin request refused (Origin does not match the " + what + ")";
    }
    String csrf = ex.getRequestHeaders().getFirst("X-CSRF-Token");
    if (csrf == null
        || !MessageDigest.isEqual(
            csrf.getBytes(StandardCharsets.UTF_8), s.csrf().getBytes(StandardCharsets.UTF_8))) {
      return "403 Missing or wrong CSRF token";
    }
    return null;
  }

  /** Whether a login's {@code Origin}, when it has one, is the page's own. */
  static boolean sameOriginLogin(HttpExchange ex) {
    String origin = ex.getRequestHeaders().getFirst("Origin");
    String host = ex.getRequestHeaders().getFirst("Host");
    return origin == null || (host != null && origin.equalsIgnoreCase("http://" + host));
  }

  /** A random URL-safe token of 256 bits. */
  static String token() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
