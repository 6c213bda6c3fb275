package io.nemospawn.server.swarm;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Codeswarm's prompt routing syntax, parsed strictly: {@code /all}, {@code /node[0,2-4]} (also
 * {@code /agent[...]}), {@code /idle}, {@code /first-idle}, each optionally after {@code
 * /swarm[alias]} and optionally followed by {@code /reply}, then the prompt. Text that does not
 * start with {@code /} is a plain prompt for the default target. Malformed directives are refused
 * with a message naming the offending text, never guessed at.
 *
 * <pre>{@code
 * NodeSelector.Route r = NodeSelector.parse("/node[0,2-3] run the tests");
 * r.nodes();   // [0, 2, 3]
 * r.prompt();  // "run the tests"
 * }</pre>
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class NodeSelector {
  /** The largest node id a selector may name. */
  public static final int MAX_NODE_ID = 4095;

  /** Which nodes a route targets. */
  public enum Kind {
    /** No directive: the caller's default target. */
    DEFAULT,
    /** Every node. */
    ALL,
    /** The listed node ids. */
    NODES,
    /** The first idle node (lowest id); {@code /first-idle} is the same. */
    IDLE
  }

  /**
   * A parsed route.
   *
   * @param swarm the {@code /swarm[alias]} alias, or null for the current swarm
   * @param kind which nodes
   * @param nodes the node ids for {@link Kind#NODES}, sorted and distinct; empty otherwise
   * @param reply whether the answer is routed back to the sender ({@code /reply})
   * @param prompt the prompt text after the directive, exactly as written (leading separator
   *     removed)
   */
  public record Route(
      @Nullable String swarm, Kind kind, List<Integer> nodes, boolean reply, String prompt) {
    /** Copies the node list. */
    public Route {
      Objects.requireNonNull(kind, "kind");
      nodes = List.copyOf(nodes);
      Objects.requireNonNull(prompt, "prompt");
    }

    /** Returns the wire name of the selector: {@code all}, {@code nodes} or {@code idle}. */
    public String selectorName() {
      return switch (kind) {
        case ALL, DEFAULT -> "all";
        case NODES -> "nodes";
        case IDLE -> "idle";
      };
    }
  }

  private NodeSelector() {}

  /**
   * Parses one prompt line with an optional routing directive.
   *
   * @throws IllegalArgumentException naming the directive when it is malformed
   */
  public static Route parse(String text) {
    Objects.requireNonNull(text, "text");
    if (!text.startsWith("/")) {
      return new Route(null, Kind.DEFAULT, List.of(), false, text);
    }
    int end = directiveEnd(text);
    String directive = text.substring(0, end);
    String prompt = end < text.length() ? text.substring(end + 1) : "";
    String rest = directive;
    String swarm = null;
    if (rest.startsWith("/swarm[")) {
      int close = rest.indexOf(']');
      if (close < 0) {
        throw bad(directive, "'/swarm[' has no closing ']'");
      }
      swarm = rest.substring("/swarm[".length(), close);
      if (swarm.isEmpty() || !swarm.matches("[A-Za-z0-9._-]{1,64}")) {
        throw bad(directive, "the swarm alias must be 1-64 letters, digits, '.', '_' or '-'");
      }
      rest = rest.substring(close + 1);
    }
    boolean reply = false;
    if (rest.endsWith("/reply")) {
      reply = true;
      rest = rest.substring(0, rest.length() - "/reply".length());
    }
    Kind kind;
    List<Integer> nodes = List.of();
    if (rest.equals("/all")) {
      kind = Kind.ALL;
    } else if (rest.equals("/idle") || rest.equals("/first-idle")) {
      kind = Kind.IDLE;
    } else if (rest.startsWith("/node[") || rest.startsWith("/agent[")) {
      if (!rest.endsWith("]")) {
        throw bad(directive, "the node list must end with ']'");
      }
      kind = Kind.NODES;
      nodes = parseNodeList(rest.substring(rest.indexOf('[') + 1, rest.length() - 1), directive);
    } else if (rest.isEmpty() && swarm != null) {
      kind = Kind.IDLE;
    } else {
      throw bad(
          directive,
          "expected /all, /node[0,2-4], /agent[...], /idle or /first-idle, optionally after"
              + " /swarm[alias] and before /reply");
    }
    return new Route(swarm, kind, nodes, reply, prompt);
  }

  /**
   * Parses a node list such as {@code 0,2-4} (numbers and inclusive ranges).
   *
   * @throws IllegalArgumentException naming the list when it is malformed or names a node above
   *     {@link #MAX_NODE_ID}
   */
  public static List<Integer> parseNodeList(String list) {
    return parseNodeList(list, list);
  }

  private static List<Integer> parseNodeList(String list, String directive) {
    if (list.isBlank()) {
      throw bad(directive, "the node list is empty");
    }
    TreeSet<Integer> out = new TreeSet<>();
    for (String part : list.split(",", -1)) {
      String p = part.strip();
      if (p.isEmpty()) {
        throw bad(directive, "the node list has an empty entry");
      }
      int dash = p.indexOf('-');
      if (dash < 0) {
        out.add(number(p, directive));
      } else {
        int from = number(p.substring(0, dash).strip(), directive);
        int to = number(p.substring(dash + 1).strip(), directive);
        if (to < from) {
          throw bad(directive, "the range " + p + " runs backwards");
        }
        for (int i = from; i <= to; i++) {
          out.add(i);
        }
      }
    }
    return new ArrayList<>(out);
  }

  /**
   * Checks the node ids of a route against a swarm's size.
   *
   * @throws IllegalArgumentException naming the first id that is not below {@code nodeCount}
   */
  public static void checkRange(List<Integer> nodes, int nodeCount) {
    for (int n : nodes) {
      if (n < 0 || n >= nodeCount) {
        throw new IllegalArgumentException("Node id " + n + " is out of range: the swarm has "
            + nodeCount + " node(s), ids 0.." + (nodeCount - 1));
      }
    }
  }

  private static int number(String s, String directive) {
    if (s.isEmpty() || s.length() > 4 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw bad(directive, "'" + printable(s) + "' is not a node id (0.." + MAX_NODE_ID + ")");
    }
    int n = Integer.parseInt(s);
    if (n > MAX_NODE_ID) {
      throw bad(directive, "node id " + n + " is above " + MAX_NODE_ID);
    }
    return n;
  }

  private static int directiveEnd(String text) {
    int depth = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '[') {
        depth++;
      } else if (c == ']') {
        depth = Math.max(0, depth - 1);
      } else if (c == '\n' || (depth == 0 && Character.isWhitespace(c))) {
        return i;
      }
    }
    return text.length();
  }

  private static IllegalArgumentException bad(String directive, String why) {
    return new IllegalArgumentException(
        "Invalid routing directive '" + printable(directive) + "': " + why);
  }

  /** Escapes control, format (bidi) and non-ASCII-space characters so a message shows them. */
  static String printable(String s) {
    StringBuilder b = new StringBuilder();
    String cut = s.length() > 80 ? s.substring(0, 80) : s;
    cut.codePoints().forEach(cp -> {
      int type = Character.getType(cp);
      if (cp < 0x20
          || cp == 0x7f
          || type == Character.FORMAT
          || type == Character.CONTROL
          || type == Character.LINE_SEPARATOR
          || type == Character.PARAGRAPH_SEPARATOR) {
        b.append(String.format("\\u%04x", cp));
      } else {
        b.appendCodePoint(cp);
      }
    });
    return s.length() > 80 ? b + "..." : b.toString();
  }
}
