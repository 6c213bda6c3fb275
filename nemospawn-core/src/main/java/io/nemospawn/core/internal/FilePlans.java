package io.nemospawn.core.internal;

import io.nemospawn.Listing;
import io.nemospawn.Remedied;
import io.nemospawn.Subscription;
import io.nemospawn.TeamEvent;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.core.internal.state.StateLock;
import io.nemospawn.plan.Plan;
import io.nemospawn.plan.PlanSpec;
import io.nemospawn.plan.PlanStatus;
import io.nemospawn.plan.Plans;
import io.nemospawn.spi.StateFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Plans in {@code plans/<plan_id>.json}. A review is a read-check-write under the team's {@code
 * plans} lock, so of two reviewers (threads or processes) exactly one succeeds. Thread-safe.
 */
public final class FilePlans implements Plans {
  static final String SUB = "plans";

  private final TeamContext ctx;
  private final FileAgents agents;

  public FilePlans(TeamContext ctx, FileAgents agents) {
    this.ctx = ctx;
    this.agents = agents;
    // One event per status seen: a new pending plan is a submission, any other status a review.
    Map<String, PlanStatus> last = new ConcurrentHashMap<>();
    ctx.events().decoder(SUB, (file, node) -> {
      Plan p = decode(node);
      PlanStatus before = last.put(p.id(), p.status());
      if (before == p.status()) {
        return Optional.empty();
      }
      return Optional.of(
          p.status() == PlanStatus.PENDING
              ? new TeamEvent.PlanSubmitted(p.teamId(), p, ctx.now())
              : new TeamEvent.PlanReviewed(p.teamId(), p, ctx.now()));
    });
  }

  @Override
  public Plan submit(PlanSpec plan) {
    Objects.requireNonNull(plan, "plan");
    String agentId = resolveAgent(plan.agent());
    String title = plan.title();
    String description = plan.description();
    List<String> steps = plan.steps();
    Instant now = ctx.now();
    String id = ctx.store()
        .createWithFreshId(
            () -> StateFormat.newId("plan"),
            this::file,
            i -> encode(
                Json.object(),
                new Plan(
                    i,
                    ctx.teamId(),
                    agentId,
                    title,
                    description,
                    steps,
                    PlanStatus.PENDING,
                    "",
                    "",
                    now,
                    null)));
    ctx.audit("plan.submit", agentId, Map.of("plan_id", id, "title", title, "steps", steps.size()));
    return get(id);
  }

  /** Returns the id of a registered agent given by id or name, else the label itself. */
  private String resolveAgent(String agent) {
    StateFormat.requireId("agent", agent);
    return agents.find(agent).map(a -> a.id()).orElse(agent);
  }

  @Override
  public Plan get(String planId) {
    return find(planId).orElseThrow(() -> {
      List<Plan> all = list().items();
      String message = "No plan '" + StateFormat.printable(planId) + "' in team " + ctx.teamId()
          + "; plans: " + ids(all);
      return all.isEmpty()
          ? new Remedied.NotFound(
              Remedied.Remedy.of(Remedied.Action.SUBMIT_PLAN, planId, ctx.teamId()), message)
          : new NoSuchElementException(message);
    });
  }

  @Override
  public Optional<Plan> find(String planId) {
    Objects.requireNonNull(planId, "planId");
    if (!StateFormat.isValidId(planId)) {
      return Optional.empty();
    }
    Path f = file(planId);
    return ctx.store().readIfExists(f).map(n -> decodeAt(f, n));
  }

  @Override
  public Listing<Plan> list() {
    return ctx.store()
        .list(
            ctx.sub(SUB),
            FilePlans::decode,
            Comparator.comparing(Plan::createdAt).thenComparing(Plan::id));
  }

  @Override
  public List<Plan> list(PlanStatus status) {
    Objects.requireNonNull(status, "status");
    return list().items().stream().filter(p -> p.status() == status).toList();
  }

  @Override
  public Plan approve(String planId, String reviewer, String comment) {
    return review(planId, PlanStatus.APPROVED, reviewer, comment);
  }

  @Override
  public Plan reject(String planId, String reviewer, String comment) {
    return review(planId, PlanStatus.REJECTED, reviewer, comment);
  }

  private Plan review(String planId, PlanStatus to, String reviewer, String comment) {
    Objects.requireNonNull(reviewer, "reviewer");
    String who = reviewer.isBlank() ? "leader" : reviewer;
    String why = comment == null ? "" : comment;
    Plan reviewed;
    try (StateLock lock = ctx.lock(SUB)) {
      Plan current = get(planId);
      if (current.status() != PlanStatus.PENDING) {
        throw new IllegalStateException("Cannot " + verb(to) + " plan " + current.id() + ": it was "
            + current.status().wireName() + " by '" + current.reviewer() + "' at "
            + current.findReviewedAt().map(StateFormat::formatTimestamp).orElse("an unknown time")
            + "; only a pending plan can be reviewed (submit a new plan instead)");
      }
      reviewed = new Plan(
          current.id(),
          current.teamId(),
          current.agentId(),
          current.title(),
          current.description(),
          current.steps(),
          to,
          who,
          why,
          current.createdAt(),
          ctx.now());
      Path f = file(current.id());
      ObjectNode node = ctx.store().read(f);
      ctx.store().write(f, encode(node, reviewed));
    }
    ctx.audit(
        "plan." + verb(to),
        reviewed.agentId(),
        Map.of("plan_id", reviewed.id(), "reviewer", who, "comment", why));
    return reviewed;
  }

  private static String verb(PlanStatus to) {
    return to == PlanStatus.APPROVED ? "approve" : "reject";
  }

  @Override
  public Optional<Plan> awaitReview(String planId, Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    get(planId); // fails fast on an unknown id
    ReentrantLock lock = new ReentrantLock();
    Condition changed = lock.newCondition();
    boolean[] signalled = {false};
    // Subscribe before reading, so a review between the read and the wait is not missed.
    try (Subscription s = ctx.events().subscribe(e -> {
      if (e instanceof TeamEvent.PlanReviewed r && r.plan().id().equals(planId)) {
        lock.lock();
        try {
          signalled[0] = true;
          changed.signalAll();
        } finally {
          lock.unlock();
        }
      }
    })) {
      // The team's time: real, or a simulated clock that ends the wait when it passes the
      // deadline.
      var time = ctx.time();
      long deadline = time.nanoTime() + timeout.toNanos();
      while (true) {
        Plan p = get(planId);
        if (p.status() != PlanStatus.PENDING) {
          return Optional.of(p);
        }
        long left = deadline - time.nanoTime();
        if (left <= 0) {
          return Optional.empty();
        }
        lock.lock();
        try {
          if (!signalled[0]) {
            time.awaitNanos(lock, changed, left);
          }
          signalled[0] = false;
        } finally {
          lock.unlock();
        }
      }
    }
  }

  private Path file(String planId) {
    return ctx.layout().record(ctx.teamId(), SUB, planId);
  }

  private static String ids(List<Plan> all) {
    return all.isEmpty()
        ? "none (submit one with Plans.submit)"
        : all.stream().map(Plan::id).collect(Collectors.joining(", "));
  }

  private static Plan decodeAt(Path file, ObjectNode n) {
    try {
      return decode(n);
    } catch (IllegalArgumentException e) {
      throw new io.nemospawn.StateException(file, "Cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Decodes a plan record (FORMAT.md). */
  static Plan decode(ObjectNode n) {
    return new Plan(
        Json.text(n, "plan_id"),
        Json.text(n, "team_id"),
        Json.text(n, "agent_id"),
        Json.text(n, "title"),
        Json.text(n, "description", ""),
        Json.strings(n, "steps"),
        PlanStatus.parse(Json.text(n, "status", "pending")),
        Json.text(n, "reviewer", ""),
        Json.text(n, "review_comment", ""),
        Json.instant(n, "created_at", Instant.EPOCH),
        Json.instantOrNull(n, "reviewed_at"));
  }

  /** Encodes the plan fields into {@code n}, keeping fields other tools added. */
  static ObjectNode encode(ObjectNode n, Plan p) {
    n.put("plan_id", p.id());
    n.put("team_id", p.teamId());
    n.put("agent_id", p.agentId());
    n.put("title", p.title());
    n.put("description", p.description());
    ArrayNode steps = n.putArray("steps");
    p.steps().forEach(steps::add);
    n.put("status", p.status().wireName());
    // NemoSpawn 1.0 writes null for a reviewer and comment that do not exist yet.
    if (p.reviewer().isEmpty() && p.status() == PlanStatus.PENDING) {
      n.putNull("reviewer");
      n.putNull("review_comment");
    } else {
      n.put("reviewer", p.reviewer());
      n.put("review_comment", p.reviewComment());
    }
    Json.put(n, "created_at", p.createdAt());
    Json.put(n, "reviewed_at", p.reviewedAt());
    return n;
  }
}
