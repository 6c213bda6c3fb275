package io.nemospawn.server.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * The route parser's use (one parser, {@link NodeSelector}) and auto-routing's loop guard. The
 * swarm service is replaced by a recorder at the {@link AutoRouter.Target} seam: what is asserted
 * is which prompts the router hands on; {@code WebBridgeTest} and {@code WebBrowserIT} drive the
 * real service.
 */
class AutoRouterTest {
  record Sent(
      String kind,
      @Nullable String source,
      String target,
      String selector,
      List<Integer> nodes,
      String content,
      String requestId) {}

  static final class Recorder implements AutoRouter.Target {
    final Set<String> swarms = new java.util.HashSet<>(Set.of("sa", "sb"));
    final List<Sent> sent = new ArrayList<>();
    final java.util.Map<String, String> injections = new java.util.HashMap<>();

    @Nullable
    AutoRouter router;

    @Override
    public boolean exists(String swarmId) {
      return swarms.contains(swarmId);
    }

    @Override
    public synchronized List<String> inject(
        String swarmId, @Nullable List<Integer> nodes, String content, String requestId) {
      sent.add(new Sent(
          "inject", null, swarmId, "", nodes == null ? List.of() : nodes, content, requestId));
      return List.of(ack(swarmId, requestId));
    }

    @Override
    public synchronized ObjectNode enqueue(
        @Nullable String source,
        String target,
        String selector,
        List<Integer> nodes,
        String content,
        String requestId) {
      sent.add(new Sent("enqueue", source, target, selector, nodes, content, requestId));
      ack(target, requestId);
      return SwarmJson.obj().put("queue_id", "q-" + sent.size());
    }

    /** What the service does on dispatch: an inject_ack with the request id. */
    String ack(String swarm, String requestId) {
      String inj = UUID.randomUUID().toString();
      injections.put(requestId, inj);
      AutoRouter router = this.router;
      if (router != null) {
        router.event(
            "inject_ack",
            SwarmJson.obj()
                .put("request_id", requestId)
                .put("swarm_id", swarm)
                .put("injection_id", inj)
                .put("node_id", 0));
      }
      return inj;
    }
  }

  final List<ObjectNode> published = new ArrayList<>();
  final Recorder target = new Recorder();
  final Instant[] now = {Instant.parse("2026-12-01T00:00:00Z")};
  final Clock clock = new Clock() {
    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now[0];
    }
  };

  AutoRouter router(int hops, int perMinute) {
    AutoRouter r = new AutoRouter(
        target,
        (e, d) -> {
          synchronized (published) {
            published.add(d.put("event", e));
          }
        },
        hops,
        perMinute,
        clock);
    target.router = r;
    return r;
  }

  static ObjectNode complete(String swarm, String injection, String answer) {
    return SwarmJson.obj()
        .put("swarm_id", swarm)
        .put("node_id", 0)
        .put("injection_id", injection)
        .put("last_agent_message", answer);
  }

  @Test
  void findsDirectiveLinesAfterBulletsAndRunsEachPromptToTheNext() {
    List<String> d = AutoRouter.directives("Done.\n- /swarm[b]/idle review\nthe diff\n"
        + "2. /all rerun\n> /node[1] hi\nnot /all this one\n/unknown x");
    assertThat(d)
        .containsExactly(
            "/swarm[b]/idle review\nthe diff",
            "/all rerun",
            "/node[1] hi\nnot /all this one\n/unknown x");
    assertThat(AutoRouter.directives("mock: nothing to route")).isEmpty();
  }

  @Test
  void manualRoutesUseTheOneParserAndResolveAliases() {
    AutoRouter r = router(3, 20);
    r.alias("bee", "sb");
    assertThat(r.route("sa", "/all hello", "r1").path("kind").asString()).isEqualTo("inject");
    assertThat(r.route("sa", "/node[0,2-3] hi", "r2").path("nodes").toString())
        .isEqualTo("[0,2,3]");
    ObjectNode x = r.route("sa", "/swarm[bee]/idle/reply review", "r3");
    assertThat(x.path("kind").asString()).isEqualTo("enqueue");
    assertThat(x.path("target_swarm_id").asString()).isEqualTo("sb");
    assertThat(x.path("reply").asBoolean()).isTrue();
    r.route("sa", "/swarm[sb]/node[1] by id", "r4");
    r.route("sa", "/swarm[bee]/first-idle q", "r5");
    r.route("sa", "/swarm[bee]/all q", "r6");
    assertThat(target.sent)
        .extracting(Sent::selector)
        .containsExactly("", "", "idle", "nodes", "idle", "all");
    assertThat(target.sent.get(0).nodes()).isEmpty();
    assertThat(target.sent.get(1).nodes()).containsExactly(0, 2, 3);
    assertThatThrownBy(() -> r.route("sa", "/swarm[nope]/all x", "r"))
        .hasMessageContaining("Unknown swarm alias 'nope'")
        .hasMessageContaining("bee");
    assertThatThrownBy(() -> r.route("sa", "/node[3-1] x", "r"))
        .hasMessageContaining("runs backwards");
    assertThatThrownBy(() -> r.route("sa", "/all   ", "r")).hasMessageContaining("empty");
    assertThatThrownBy(() -> r.route(null, "hello", "r")).hasMessageContaining("No swarm");
    assertThatThrownBy(() -> r.alias("../x", "sb"))
        .hasMessageContaining("'/swarm[../x]/all'")
        .hasMessageContaining("alias must be");
    assertThatThrownBy(() -> r.alias("ok", "$(id)")).hasMessageContaining("Unknown swarm '$(id)'");
    assertThat(target.sent).hasSize(6);
  }

  @Test
  void autoRoutingIsOffUntilEnabledAndRoutesEachAnswerOnce() throws Exception {
    AutoRouter r = router(3, 20);
    r.event("task_complete", complete("sa", "i1", "ok\n/swarm[sb]/all do x"));
    r.drain();
    assertThat(target.sent).isEmpty();
    r.autoRoute("sa", true);
    r.event("task_complete", complete("sa", "i1", "ok\n/swarm[sb]/all do x"));
    r.event("task_complete", complete("sa", "i1", "ok\n/swarm[sb]/all do x"));
    r.drain();
    assertThat(target.sent).hasSize(1);
    Sent s = target.sent.get(0);
    assertThat(s)
        .extracting(Sent::kind, Sent::source, Sent::target, Sent::selector, Sent::content)
        .containsExactly("enqueue", "sa", "sb", "all", "do x");
    assertThat(published)
        .extracting(p -> p.path("event").asString())
        .containsExactly("auto_route_submitted");
    assertThat(published.get(0).path("hops").asInt()).isEqualTo(1);
    assertThatThrownBy(() -> r.autoRoute("zz", true)).hasMessageContaining("Unknown swarm 'zz'");
  }

  @Test
  void aSelfFeedingLoopStopsAtTheHopLimit() throws Exception {
    AutoRouter r = router(3, 100);
    r.autoRoute("sa", true);
    r.autoRoute("sb", true);
    // each answer asks the other swarm again: a ping-pong that would never end
    String injection = "first";
    String swarm = "sa";
    for (int i = 0; i < 10; i++) {
      r.event(
          "task_complete",
          complete(
              swarm,
              injection,
              "/swarm[" + (swarm.equals("sa") ? "sb" : "sa") + "]/idle ping " + i));
      r.drain();
      if (target.sent.size() <= i) {
        break;
      }
      Sent last = target.sent.get(target.sent.size() - 1);
      // the injection the dispatch produced for that request: the recorder acked it
      injection = injectionOf(last.requestId());
      swarm = last.target();
    }
    assertThat(target.sent).hasSize(3);
    ObjectNode stop = published.get(published.size() - 1);
    assertThat(stop.path("event").asString()).isEqualTo("auto_route_ignored");
    assertThat(stop.path("reason").asString()).contains("3 auto-route hop(s) deep (limit 3)");
    assertThat(stop.path("hops").asInt()).isEqualTo(4);
  }

  @Test
  void theRateLimitHoldsPerSourceSwarmPerMinute() throws Exception {
    AutoRouter r = router(3, 2);
    r.autoRoute("sa", true);
    r.event(
        "task_complete",
        complete("sa", "a", "/swarm[sb]/all 1\n/swarm[sb]/all 2\n" + "/swarm[sb]/all 3"));
    r.drain();
    assertThat(target.sent).hasSize(2);
    assertThat(published.get(2).path("reason").asString())
        .contains("more than 2 auto-routes a minute from swarm sa");
    now[0] = now[0].plus(Duration.ofSeconds(61));
    r.event("task_complete", complete("sa", "b", "/swarm[sb]/all 4"));
    r.drain();
    assertThat(target.sent).hasSize(3);
  }

  @Test
  void aBadDirectiveInAnAnswerIsIgnoredWithTheReasonNotGuessed() throws Exception {
    AutoRouter r = router(3, 20);
    r.autoRoute("sa", true);
    r.event("task_complete", complete("sa", "a", "/node[9x] x\n/swarm[ghost]/all y"));
    r.drain();
    assertThat(target.sent).isEmpty();
    assertThat(published)
        .extracting(p -> p.path("reason").asString())
        .anySatisfy(s -> assertThat(s).contains("'9x' is not a node id"))
        .anySatisfy(s -> assertThat(s).contains("Unknown swarm alias 'ghost'"));
  }

  @Test
  void anAgentsReplyPromptIsAnsweredIntoTheNodeThatAskedOnce() throws Exception {
    AutoRouter r = router(3, 20);
    r.alias("bee", "sb");
    r.autoRoute("sa", true);
    // node 2 of sa asks sb for a review and wants the answer back
    ObjectNode asked = complete("sa", "i-sa", "- /swarm[bee]/idle/reply review the diff");
    asked.put("node_id", 2);
    r.event("task_complete", asked);
    r.drain();
    Sent ask = target.sent.get(0);
    assertThat(ask.target()).isEqualTo("sb");
    String answered = injectionOf(ask.requestId());
    r.event("task_complete", complete("sb", answered, "LGTM, one nit"));
    r.event("task_complete", complete("sb", answered, "LGTM, one nit")); // a repeat: no 2nd reply
    r.drain();
    assertThat(target.sent).hasSize(2);
    Sent back = target.sent.get(1);
    assertThat(back)
        .extracting(Sent::kind, Sent::target, Sent::nodes)
        .containsExactly("inject", "sa", List.of(2));
    assertThat(back.content())
        .isEqualTo(
            "[Reply from /swarm[bee]/node[0] for request " + ask.requestId() + "]\nLGTM, one nit");
    ObjectNode ev = published.get(published.size() - 1);
    assertThat(ev.path("event").asString()).isEqualTo("auto_reply_submitted");
    assertThat(ev.path("source_node_id").asInt()).isEqualTo(2);
    assertThat(ev.path("injection_ids")).hasSize(1);
    // the reply is a hop of the exchange: an answer to it that routes on is guarded
    assertThat(ev.path("reply_request_id").asString()).startsWith("reply-");
  }

  @Test
  void aPersonsReplyPromptComesBackAsAnEventWithTheText() throws Exception {
    AutoRouter r = router(3, 20);
    ObjectNode sent = r.route("sa", "/swarm[sb]/all/reply what failed?", "r1");
    assertThat(sent.path("reply").asBoolean()).isTrue();
    r.event("task_complete", complete("sb", injectionOf("r1"), "the linker"));
    r.drain();
    assertThat(target.sent).hasSize(1); // nothing injected back: a person asked
    ObjectNode ev = published.get(0);
    assertThat(ev.path("event").asString()).isEqualTo("auto_reply_submitted");
    assertThat(ev.path("kind").asString()).isEqualTo("person");
    assertThat(ev.path("content").asString())
        .isEqualTo("[Reply from /swarm[sb]/node[0] for request r1]\nthe linker");
    assertThatThrownBy(() -> r.route(null, "/swarm[sb]/all/reply x", "r2"))
        .hasMessageContaining("/reply needs a sender");
    assertThatThrownBy(() -> r.route(null, 1, "/swarm[sb]/all x", "r3"))
        .hasMessageContaining("source node (1) needs the swarm");
  }

  @Test
  void aReplyToASwarmThatIsGoneIsIgnoredWithTheReason() throws Exception {
    AutoRouter r = router(3, 20);
    r.route("sa", 1, "/swarm[sb]/idle/reply status?", "r1");
    target.swarms.remove("sa");
    r.event("task_complete", complete("sb", injectionOf("r1"), "green"));
    r.drain();
    ObjectNode ev = published.get(0);
    assertThat(ev.path("event").asString()).isEqualTo("auto_reply_ignored");
    assertThat(ev.path("reason").asString()).isEqualTo("the sender's swarm sa is gone");
    assertThat(target.sent).hasSize(1);
  }

  private String injectionOf(String requestId) {
    return target.injections.get(requestId);
  }
}
