package io.nemospawn.board.internal;

import io.nemospawn.board.CostSource;
import io.nemospawn.board.CostView;
import io.nemospawn.spi.StateFormat;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The board's cost panel: reads a {@link CostSource} on the board's ticker (once per GPU interval,
 * one reading per server, never per client) and keeps the last reading as the page's JSON. A
 * failed reading keeps the last good one and adds the error, which the page shows as text.
 * Thread-safe.
 */
public final class CostPanel {
  private static final Logger log = LoggerFactory.getLogger(CostPanel.class);

  private final CostSource source;
  private volatile @Nullable Map<String, Object> last;
  private volatile @Nullable String error;

  /** A panel over a source. */
  public CostPanel(CostSource source) {
    this.source = Objects.requireNonNull(source, "source");
  }

  /**
   * Reads the source now and returns the panel's JSON when it differs from the last one (to
   * publish as a {@code cost} event), else null.
   */
  public @Nullable Map<String, Object> sample() {
    Map<String, Object> before = json();
    try {
      last = json(source.read());
      error = null;
    } catch (RuntimeException e) {
      String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      if (!msg.equals(error)) {
        log.warn("Cannot read the team's costs for the board: {}", msg);
      }
      error = "Cannot read the team's costs: " + StateFormat.printable(msg);
    }
    Map<String, Object> now = json();
    return now.equals(before) ? null : now;
  }

  /** Returns the panel as the page reads it: the last reading ({@code null} before any), error. */
  public Map<String, Object> json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("view", last);
    m.put("error", error);
    return m;
  }

  /** Returns a reading as JSON; money and hours as decimal strings, so nothing is rounded twice. */
  static Map<String, Object> json(CostView v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("from", v.from().toString());
    m.put("at", v.at().toString());
    m.put("totalUsd", money(v.totalUsd()));
    m.put("gpuUsd", money(v.gpuUsd()));
    m.put("tokenUsd", money(v.tokenUsd()));
    m.put("gpuHours", hours(v.gpuHours()));
    m.put("tokens", v.tokens());
    m.put("unpricedTokens", v.unpricedTokens());
    List<Map<String, Object>> agents = new ArrayList<>();
    for (CostView.Agent a : v.agents()) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("id", a.agentId());
      x.put("name", a.name());
      x.put("gpuHours", hours(a.gpuHours()));
      x.put("gpuUsd", money(a.gpuUsd()));
      x.put("tokens", a.tokens());
      x.put("tokenUsd", money(a.tokenUsd()));
      x.put("totalUsd", money(a.totalUsd()));
      agents.add(x);
    }
    agents.sort((x, y) -> new BigDecimal((String) y.get("totalUsd"))
        .compareTo(new BigDecimal((String) x.get("totalUsd"))));
    m.put("agents", agents);
    List<Map<String, Object>> budget = new ArrayList<>();
    for (CostView.Limit l : v.budget()) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("kind", l.kind());
      x.put(
          "used", plain(l.used().setScale(Math.min(l.used().scale(), 4), RoundingMode.HALF_EVEN)));
      x.put("limit", plain(l.limit()));
      x.put("fraction", l.fraction());
      budget.add(x);
    }
    m.put("budget", budget);
    return m;
  }

  /** US dollars to the cent, or to 4 places under a dollar (token costs are often cents). */
  static String money(BigDecimal d) {
    int scale = d.signum() != 0 && d.abs().compareTo(BigDecimal.ONE) < 0 ? 4 : 2;
    return d.setScale(scale, RoundingMode.HALF_EVEN).toPlainString();
  }

  static String hours(BigDecimal d) {
    return d.setScale(3, RoundingMode.HALF_EVEN).toPlainString();
  }

  private static String plain(BigDecimal d) {
    BigDecimal s = d.stripTrailingZeros();
    return (s.scale() < 0 ? s.setScale(0) : s).toPlainString();
  }
}
