package io.nemospawn.cli;

import io.nemospawn.Listing;
import io.nemospawn.Team;
import io.nemospawn.plan.Plan;
import io.nemospawn.plan.PlanSpec;
import io.nemospawn.plan.PlanStatus;
import io.nemospawn.spi.Environment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/** {@code nemospawn plan}: submit plans for review, list, show, approve and reject them. */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description = "Plan approval: agents submit plans, the leader approves or rejects them.",
    subcommands = {
      PlanCommand.Submit.class,
      PlanCommand.ListPlans.class,
      PlanCommand.Show.class,
      PlanCommand.Approve.class,
      PlanCommand.Reject.class
    })
final class PlanCommand {

  /** What every plan subcommand shares beyond opening its team. */
  abstract static class Base extends TeamSubcommand {
    void print(Plan p) {
      if (out.json()) {
        out.json(CoordViews.plan(p));
        return;
      }
      List<List<String>> rows = new ArrayList<>();
      rows.add(List.of("plan_id", p.id()));
      rows.add(List.of("agent", p.agentId()));
      rows.add(List.of("title", p.title()));
      rows.add(List.of("description", CoordViews.cell(p.description())));
      for (int i = 0; i < p.steps().size(); i++) {
        rows.add(List.of("step " + (i + 1), p.steps().get(i)));
      }
      rows.add(List.of("status", p.status().wireName()));
      rows.add(List.of("reviewer", CoordViews.cell(p.reviewer())));
      rows.add(List.of("comment", CoordViews.cell(p.reviewComment())));
      rows.add(List.of("created_at", CoordViews.time(p.createdAt())));
      Instant reviewed = p.reviewedAt();
      rows.add(List.of("reviewed_at", reviewed == null ? "-" : CoordViews.time(reviewed)));
      out.table(List.of("FIELD", "VALUE"), rows);
    }
  }

  @Command(name = "submit", description = "Submits a plan for review; it starts pending.")
  static final class Submit extends Base {
    @Mixin
    AgentOption agent;

    @Option(
        names = "--title",
        required = true,
        paramLabel = "TEXT",
        description = "What the plan is about.")
    String title;

    @Option(
        names = {"-d", "--description"},
        paramLabel = "TEXT",
        description = "Free text.",
        defaultValue = "")
    String description;

    @Option(
        names = "--step",
        paramLabel = "STEP",
        description = "One step, which may contain commas; repeat for several, in order.")
    List<String> step = new ArrayList<>();

    @Option(
        names = "--steps",
        split = ",",
        paramLabel = "STEPS",
        description = "Comma-separated steps, in order (NemoSpawn 1.0's form); before the --step"
            + " ones when both are given.")
    List<String> steps = new ArrayList<>();

    @Override
    int run(Team t) {
      List<String> all = new ArrayList<>();
      steps.stream().map(String::strip).filter(x -> !x.isEmpty()).forEach(all::add);
      all.addAll(step);
      Plan p = t.plans()
          .submit(PlanSpec.of(title)
              .withAgent(agent.agentOr("leader"))
              .withDescription(description)
              .withSteps(all));
      if (out.json()) {
        out.json(CoordViews.plan(p));
      } else {
        out.println("Submitted plan " + p.id() + " (pending review)");
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "list", description = "Lists the plans, oldest first.")
  static final class ListPlans extends Base {
    @Option(
        names = "--status",
        paramLabel = "STATUS",
        converter = StatusConverter.class,
        description = "Only plans with this status: pending, approved or rejected.")
    @Nullable
    PlanStatus status;

    @Option(
        names = {"-a", "--agent"},
        paramLabel = "AGENT",
        description = "Only plans this agent (id or name) submitted.")
    @Nullable
    String agent;

    @Override
    int run(Team t) {
      Listing<Plan> all = t.plans().list();
      String agentId =
          agent == null ? null : t.agents().find(agent).map(a -> a.id()).orElse(agent);
      List<Plan> plans = all.items().stream()
          .filter(p -> status == null || p.status() == status)
          .filter(p -> agentId == null || p.agentId().equals(agentId))
          .toList();
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("plans", plans.stream().map(CoordViews::plan).toList());
        m.put("problems", CoordViews.problems(all));
        out.json(m);
      } else {
        out.table(
            List.of("PLAN", "STATUS", "AGENT", "STEPS", "REVIEWER", "TITLE"),
            plans.stream()
                .map(p -> List.of(
                    p.id(),
                    p.status().wireName(),
                    p.agentId(),
                    Integer.toString(p.steps().size()),
                    CoordViews.cell(p.reviewer()),
                    p.title()))
                .toList());
        CoordViews.warnProblems(out, all);
      }
      return ExitCodes.OK;
    }
  }

  /** Show, approve and reject name the plan as an argument or with --plan (1.0's form). */
  abstract static class OnePlan extends Base {
    @Parameters(
        arity = "0..1",
        paramLabel = "PLAN_ID",
        description = "The plan, plan-<8 hex> (or give --plan).")
    @Nullable
    String planArg;

    @Option(names = "--plan", paramLabel = "PLAN_ID", description = "The plan, plan-<8 hex>.")
    @Nullable
    String planOption;

    String planId;

    @Override
    @Initializer
    void parse() {
      if (planArg != null && planOption != null && !planArg.equals(planOption)) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(),
            "Two plans given: PLAN_ID '" + planArg + "' and --plan '" + planOption + "'; give one");
      }
      String id = planArg != null ? planArg : planOption;
      if (id == null) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(), "Missing plan: give PLAN_ID or --plan PLAN_ID");
      }
      planId = id;
    }
  }

  @Command(name = "show", description = "Shows one plan with its steps and review.")
  static final class Show extends OnePlan {
    @Override
    int run(Team t) {
      print(t.plans().get(planId));
      return ExitCodes.OK;
    }
  }

  /** Approve and reject share their options. */
  abstract static class Review extends OnePlan {
    @Option(
        names = "--reviewer",
        paramLabel = "NAME",
        description = "Who reviews (default: $NEMOSPAWN_AGENT, else leader).")
    @Nullable
    String reviewer;

    @Option(
        names = "--comment",
        paramLabel = "TEXT",
        defaultValue = "",
        description = "The reviewer's comment.")
    String comment;

    String reviewer() {
      if (reviewer != null && !reviewer.isEmpty()) {
        return reviewer;
      }
      String env = Environment.get("NEMOSPAWN_AGENT");
      return env == null || env.isEmpty() ? "leader" : env;
    }

    void done(Plan p) {
      if (out.json()) {
        out.json(CoordViews.plan(p));
      } else {
        out.println("Plan " + p.id() + " " + p.status().wireName() + " by " + p.reviewer());
      }
    }
  }

  @Command(name = "approve", description = "Approves a pending plan.")
  static final class Approve extends Review {
    @Override
    int run(Team t) {
      done(t.plans().approve(planId, reviewer(), comment));
      return ExitCodes.OK;
    }
  }

  @Command(name = "reject", description = "Rejects a pending plan.")
  static final class Reject extends Review {
    @Override
    int run(Team t) {
      done(t.plans().reject(planId, reviewer(), comment));
      return ExitCodes.OK;
    }
  }

  /** Parses {@code --status}; a bad value is a usage error listing the valid ones. */
  static final class StatusConverter implements ITypeConverter<PlanStatus> {
    @Override
    public PlanStatus convert(String value) {
      try {
        return PlanStatus.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
