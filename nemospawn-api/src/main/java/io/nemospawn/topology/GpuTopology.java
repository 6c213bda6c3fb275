package io.nemospawn.topology;

import io.nemospawn.spi.GpuProbe;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * The GPUs of a machine and how they are wired: the link matrix of {@code nvidia-smi topo -m},
 * NVLink islands (connected components over NVLink), whether an island is fully connected (every
 * pair linked directly, as through NVSwitch), NVLink counts and bandwidth per pair, and placement
 * of agents on GPUs.
 *
 * <pre>{@code
 * GpuTopology topo = GpuTopology.detect();      // NVML, then nvidia-smi, else empty + warning
 * topo.source();                                 // "nvml"
 * topo.islands();                                // [[0, 1, 2, 3, 4, 5, 6, 7]]
 * Placement p = topo.place(4, Set.of(0, 1), false);
 * p.gpus();                                      // [4, 5, 6, 7]: one NUMA node
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class GpuTopology {
  private static final GpuTopology EMPTY =
      new GpuTopology(List.of(), new Link[0][0], "none", List.of(), List.of());

  private final List<Gpu> gpus;
  private final Map<Integer, Integer> position;
  private final Link[][] links;
  private final String source;
  private final List<String> warnings;
  private final List<GpuMetrics> metrics;
  private final List<List<Integer>> islands;

  private GpuTopology(
      List<Gpu> gpus,
      Link[][] links,
      String source,
      List<String> warnings,
      List<GpuMetrics> metrics) {
    this.gpus = List.copyOf(gpus);
    this.links = links;
    this.source = source;
    this.warnings = List.copyOf(warnings);
    this.metrics = List.copyOf(metrics);
    Map<Integer, Integer> pos = new TreeMap<>();
    for (int i = 0; i < gpus.size(); i++) {
      pos.put(gpus.get(i).index(), i);
    }
    this.position = Collections.unmodifiableMap(pos);
    this.islands = computeIslands();
  }

  /**
   * Returns the topology of this machine from the first {@link GpuProbe} that answers, in
   * ascending priority (NVML, then {@code nvidia-smi}). When no probe is on the class path or
   * none answers, returns an empty topology whose {@link #warnings()} say why, so laptops and CI
   * work. The failures of probes tried before the one that answered are in its warnings too.
   */
  public static GpuTopology detect() {
    return detect(Probes.load());
  }

  /** Same as {@link #detect()} over the given probes instead of those on the class path. */
  public static GpuTopology detect(Collection<? extends GpuProbe> probes) {
    return Probes.detect(probes);
  }

  /** Returns the topology with no GPUs (source {@code none}). */
  public static GpuTopology empty() {
    return EMPTY;
  }

  /** Returns an empty topology (source {@code none}) with the given warnings. */
  public static GpuTopology empty(List<String> warnings) {
    return new GpuTopology(List.of(), new Link[0][0], "none", warnings, List.of());
  }

  /**
   * Returns {@code n} simulated GPUs, indices 0 to n-1, every pair joined by NV12 (one fully
   * connected island), source {@code uniform}: for tests and laptops.
   */
  public static GpuTopology uniform(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("GPU count must be >= 0, got " + n);
    }
    Builder b = builder().source("uniform");
    for (int i = 0; i < n; i++) {
      b.gpu(Gpu.of(i, "Simulated GPU").withMemory(81_920, 0));
    }
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        b.link(i, j, Link.nvLink(12));
      }
    }
    return b.build();
  }

  /**
   * Returns a topology from the {@code topology} map of FORMAT.md's team.json ({@code {"0":
   * {"0": "X", "1": "NV18"}, …}}) and its {@code gpus} entries (maps with {@code index}, {@code
   * name}, {@code uuid}, {@code memory_total_mb}, {@code memory_used_mb}; may be empty, then the
   * GPUs are named by the matrix keys).
   *
   * @throws IllegalArgumentException naming the bad key or cell
   */
  public static GpuTopology fromFormat(
      Map<String, ? extends Map<String, String>> matrix, List<? extends Map<String, ?>> gpuList) {
    Builder b = builder().source("team.json");
    Map<Integer, Gpu> byIndex = new TreeMap<>();
    for (Map<String, ?> g : gpuList) {
      int index = number(g.get("index"), "index").intValue();
      Object name = g.get("name");
      Object uuid = g.get("uuid");
      byIndex.put(
          index,
          new Gpu(
              index,
              name == null ? "" : name.toString(),
              uuid == null ? "" : uuid.toString(),
              "",
              g.get("memory_total_mb") == null
                  ? 0
                  : number(g.get("memory_total_mb"), "memory_total_mb").longValue(),
              g.get("memory_used_mb") == null
                  ? 0
                  : number(g.get("memory_used_mb"), "memory_used_mb").longValue(),
              false,
              "",
              -1));
    }
    for (String key : matrix.keySet()) {
      byIndex.computeIfAbsent(parseIndex(key), i -> Gpu.of(i, ""));
    }
    byIndex.values().forEach(b::gpu);
    matrix.forEach((row, cells) -> cells.forEach((col, cell) -> {
      int i = parseIndex(row);
      int j = parseIndex(col);
      if (i != j) {
        b.link(i, j, Link.parse(cell));
      }
    }));
    return b.build();
  }

  private static Number number(@Nullable Object o, String key) {
    if (o instanceof Number n) {
      return n;
    }
    throw new IllegalArgumentException(
        "GPU entry key '" + key + "' must be a number, got '" + o + "'");
  }

  private static int parseIndex(String key) {
    try {
      return Integer.parseInt(key.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "Topology key '" + key + "' is not a GPU index; expected \"0\", \"1\", …", e);
    }
  }

  /** Returns a builder for a hand-made topology (links default to {@code SYS}). */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns a builder holding this topology's parts. */
  public Builder toBuilder() {
    Builder b = builder().source(source);
    gpus.forEach(b::gpu);
    for (int i = 0; i < gpus.size(); i++) {
      for (int j = i + 1; j < gpus.size(); j++) {
        b.link(gpus.get(i).index(), gpus.get(j).index(), links[i][j]);
      }
    }
    warnings.forEach(b::warning);
    metrics.forEach(b::metrics);
    return b;
  }

  /** Returns the GPUs ordered by index. */
  public List<Gpu> gpus() {
    return gpus;
  }

  /** Returns the GPU indices in ascending order. */
  public List<Integer> indices() {
    return List.copyOf(position.keySet());
  }

  /** Returns the number of GPUs. */
  public int size() {
    return gpus.size();
  }

  /** Returns whether there are no GPUs. */
  public boolean isEmpty() {
    return gpus.isEmpty();
  }

  /**
   * Returns the GPU with the given index.
   *
   * @throws IllegalArgumentException naming the index and the indices there are
   */
  public Gpu gpu(int index) {
    return gpus.get(pos(index));
  }

  /** Returns the name of the probe that answered: {@code nvml}, {@code nvidia-smi}, {@code none}, … */
  public String source() {
    return source;
  }

  /** Returns what went wrong or was degraded while probing; empty when nothing did. */
  public List<String> warnings() {
    return warnings;
  }

  /** Returns the metrics read during discovery, ordered by index; empty when none were. */
  public List<GpuMetrics> metrics() {
    return metrics;
  }

  /**
   * Returns how GPUs {@code a} and {@code b} are connected ({@link Link#self()} when equal).
   *
   * @throws IllegalArgumentException when either index is not a GPU of this topology
   */
  public Link link(int a, int b) {
    return links[pos(a)][pos(b)];
  }

  /** Returns the number of NVLinks between two GPUs; 0 without NVLink or for the same GPU. */
  public int nvLinkCount(int a, int b) {
    return link(a, b).nvLinks();
  }

  /** Returns the estimated unidirectional NVLink bandwidth between two GPUs in GB/s. */
  public int nvLinkBandwidthGbps(int a, int b) {
    return link(a, b).nvLinkBandwidthGbps();
  }

  /** Returns whether any pair of GPUs is joined by NVLink. */
  public boolean hasNvLink() {
    return !islands.isEmpty();
  }

  /**
   * Returns the NVLink islands: connected components of two or more GPUs over NVLink, each
   * sorted, ordered by their lowest index. A GPU without NVLink is in no island. In an island
   * every GPU reaches every other over NVLink, possibly through others (a DGX-1 hybrid cube mesh
   * is one island that is not fully connected).
   */
  public List<List<Integer>> islands() {
    return islands;
  }

  /** Returns the island holding the GPU, or a list of only that GPU when it has no NVLink. */
  public List<Integer> islandOf(int index) {
    pos(index);
    for (List<Integer> island : islands) {
      if (island.contains(index)) {
        return island;
      }
    }
    return List.of(index);
  }

  /** Returns whether every pair of the given GPUs is joined directly by NVLink (as by NVSwitch). */
  public boolean isFullyConnected(Collection<Integer> island) {
    List<Integer> list = new ArrayList<>(island);
    for (int i = 0; i < list.size(); i++) {
      for (int j = i + 1; j < list.size(); j++) {
        if (!link(list.get(i), list.get(j)).isNvLink()) {
          return false;
        }
      }
    }
    return true;
  }

  /** Returns the sum of NVLinks between every pair of the given GPUs. */
  public int nvLinkTotal(Collection<Integer> group) {
    List<Integer> list = new ArrayList<>(group);
    int total = 0;
    for (int i = 0; i < list.size(); i++) {
      for (int j = i + 1; j < list.size(); j++) {
        total += nvLinkCount(list.get(i), list.get(j));
      }
    }
    return total;
  }

  /**
   * Chooses {@code k} GPUs for one agent. Prefers a set inside one NVLink island (fully connected
   * first, then the most NVLinks, then the nearest PCIe paths, then one NUMA node, then the
   * island with the fewest free GPUs so that large islands stay whole, then the lowest indices);
   * when no island has {@code k} free GPUs, the best spread, with a warning that names the
   * reason. A held GPU is never chosen unless {@code share} is true, and then only when free ones
   * do not suffice. Deterministic: the same topology and arguments give the same answer.
   *
   * @param k how many GPUs, at least 1
   * @param held GPUs already held by running agents
   * @param share whether a held GPU may be given to a second agent
   * @throws IllegalArgumentException when {@code k < 1}
   * @throws io.nemospawn.GpuUnavailableException when not enough GPUs exist or are free
   */
  public Placement place(int k, Set<Integer> held, boolean share) {
    return new Placer(this, k, held, share).place();
  }

  /**
   * Returns the link matrix in FORMAT.md's team.json shape: {@code {"0": {"0": "X", "1":
   * "NV18"}}}, string keys in index order.
   */
  public Map<String, Map<String, String>> toFormatMatrix() {
    Map<String, Map<String, String>> m = new LinkedHashMap<>();
    for (Gpu a : gpus) {
      Map<String, String> row = new LinkedHashMap<>();
      for (Gpu b : gpus) {
        row.put(Integer.toString(b.index()), link(a.index(), b.index()).toString());
      }
      m.put(Integer.toString(a.index()), row);
    }
    return m;
  }

  /**
   * Returns the GPU part of FORMAT.md's team.json: {@code gpus}, {@code topology} and {@code
   * nvlink_islands}, as plain maps and lists.
   */
  public Map<String, Object> toFormatMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("gpus", gpus.stream().map(Gpu::toFormatMap).toList());
    m.put("topology", toFormatMatrix());
    m.put("nvlink_islands", islands);
    return m;
  }

  /** Returns a copy with one more warning. */
  public GpuTopology withWarning(String warning) {
    return toBuilder().warning(warning).build();
  }

  /** Returns the link matrix by position in {@link #gpus()}; shared, never modified. */
  Link[][] matrix() {
    return links;
  }

  int pos(int index) {
    Integer p = position.get(index);
    if (p == null) {
      throw new IllegalArgumentException(
          "No GPU " + index + " in this topology; GPUs are " + position.keySet());
    }
    return p;
  }

  private List<List<Integer>> computeIslands() {
    int n = gpus.size();
    int[] parent = new int[n];
    Arrays.setAll(parent, i -> i);
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        if (links[i][j].isNvLink()) {
          parent[find(parent, i)] = find(parent, j);
        }
      }
    }
    Map<Integer, List<Integer>> byRoot = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      byRoot
          .computeIfAbsent(find(parent, i), r -> new ArrayList<>())
          .add(gpus.get(i).index());
    }
    List<List<Integer>> result = new ArrayList<>();
    for (List<Integer> c : byRoot.values()) {
      if (c.size() > 1) {
        Collections.sort(c);
        result.add(List.copyOf(c));
      }
    }
    result.sort((x, y) -> Integer.compare(x.get(0), y.get(0)));
    return List.copyOf(result);
  }

  private static int find(int[] parent, int i) {
    while (parent[i] != i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GpuTopology t
        && t.gpus.equals(gpus)
        && t.source.equals(source)
        && Arrays.deepEquals(t.links, links)
        && t.warnings.equals(warnings)
        && t.metrics.equals(metrics);
  }

  @Override
  public int hashCode() {
    return Objects.hash(gpus, source, Arrays.deepHashCode(links));
  }

  /** Returns {@code GpuTopology[source=nvml gpus=8 islands=[[0..7]] warnings=0]}. */
  @Override
  public String toString() {
    return "GpuTopology[source=" + source + " gpus=" + gpus.size() + " islands=" + islands
        + " warnings=" + warnings.size() + "]";
  }

  /**
   * Builds a hand-made topology. Links are symmetric; pairs not set are {@code SYS}. Not
   * thread-safe.
   *
   * @since 0.1
   */
  public static final class Builder {
    private final Map<Integer, Gpu> gpus = new TreeMap<>();
    private final Map<List<Integer>, Link> links = new LinkedHashMap<>();
    private final List<String> warnings = new ArrayList<>();
    private final Map<Integer, GpuMetrics> metrics = new TreeMap<>();
    private String source = "manual";

    private Builder() {}

    /** Adds or replaces the GPU with this GPU's index. */
    public Builder gpu(Gpu gpu) {
      Objects.requireNonNull(gpu, "gpu");
      gpus.put(gpu.index(), gpu);
      return this;
    }

    /** Sets the link between {@code a} and {@code b} (both directions). */
    public Builder link(int a, int b, Link link) {
      Objects.requireNonNull(link, "link");
      if (a == b) {
        throw new IllegalArgumentException("Cannot link GPU " + a + " to itself");
      }
      if (link.kind() == LinkKind.SELF) {
        throw new IllegalArgumentException(
            "Link X is only for a GPU to itself; GPUs " + a + " and " + b + " differ");
      }
      links.put(List.of(Math.min(a, b), Math.max(a, b)), link);
      return this;
    }

    /** Sets the link between {@code a} and {@code b} from a {@code topo -m} label. */
    public Builder link(int a, int b, String label) {
      return link(a, b, Link.parse(label));
    }

    /** Sets the name of the probe that produced the data. */
    public Builder source(String name) {
      this.source = Objects.requireNonNull(name, "source");
      return this;
    }

    /** Adds a warning. */
    public Builder warning(String warning) {
      warnings.add(Objects.requireNonNull(warning, "warning"));
      return this;
    }

    /** Adds or replaces the metrics of one GPU. */
    public Builder metrics(GpuMetrics m) {
      Objects.requireNonNull(m, "metrics");
      metrics.put(m.index(), m);
      return this;
    }

    /**
     * Builds the topology.
     *
     * @throws IllegalArgumentException when a link or metrics name a GPU that was not added
     */
    public GpuTopology build() {
      List<Gpu> list = new ArrayList<>(gpus.values());
      Map<Integer, Integer> pos = new TreeMap<>();
      for (int i = 0; i < list.size(); i++) {
        pos.put(list.get(i).index(), i);
      }
      int n = list.size();
      Link[][] m = new Link[n][n];
      for (int i = 0; i < n; i++) {
        Arrays.fill(m[i], Link.of(LinkKind.SYS));
        m[i][i] = Link.self();
      }
      links.forEach((pair, link) -> {
        Integer a = pos.get(pair.get(0));
        Integer b = pos.get(pair.get(1));
        if (a == null || b == null) {
          throw new IllegalArgumentException("Link " + pair.get(0) + "-" + pair.get(1) + " (" + link
              + ") names a GPU that was not added; GPUs are " + pos.keySet());
        }
        m[a][b] = link;
        m[b][a] = link;
      });
      for (Integer i : metrics.keySet()) {
        if (!pos.containsKey(i)) {
          throw new IllegalArgumentException(
              "Metrics name GPU " + i + ", which was not added; GPUs are " + pos.keySet());
        }
      }
      return new GpuTopology(list, m, source, warnings, new ArrayList<>(metrics.values()));
    }

    @Override
    public String toString() {
      return "GpuTopology.Builder[source=" + source + " gpus=" + gpus.keySet() + " links="
          + links.size() + " warnings=" + warnings.size() + "]";
    }
  }
}
