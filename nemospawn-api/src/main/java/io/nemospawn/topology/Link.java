package io.nemospawn.topology;

import java.util.Locale;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * The connection between two GPUs: its kind and, for NVLink, how many links are bonded.
 *
 * <pre>{@code
 * Link.parse("NV18").nvLinks()     // 18
 * Link.parse("SYS").isNvLink()     // false
 * Link.nvLink(12).toString()       // "NV12"
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param kind the kind of connection
 * @param nvLinks the number of bonded NVLinks: at least 1 for {@link LinkKind#NVLINK}, 0 otherwise
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record Link(LinkKind kind, int nvLinks) {
  /**
   * Unidirectional bandwidth of one NVLink in GB/s: 25 GB/s for NVLink 2 (V100), 3 (A100) and 4
   * (H100). Used for estimates only; the count of links is what placement compares.
   */
  public static final int NVLINK_GBPS_PER_LINK = 25;

  private static final Link SELF = new Link(LinkKind.SELF, 0);

  /** Validates the parts. */
  public Link {
    Objects.requireNonNull(kind, "kind");
    if (kind == LinkKind.NVLINK && nvLinks < 1) {
      throw new IllegalArgumentException(
          "An NVLink connection needs at least 1 link, got " + nvLinks);
    }
    if (kind != LinkKind.NVLINK && nvLinks != 0) {
      throw new IllegalArgumentException(
          "Only NVLink connections have links; " + kind + " has " + nvLinks);
    }
  }

  /** Returns the link of a GPU to itself ({@code X}). */
  public static Link self() {
    return SELF;
  }

  /** Returns a bonded set of {@code links} NVLinks ({@code NV<links>}). */
  public static Link nvLink(int links) {
    return new Link(LinkKind.NVLINK, links);
  }

  /** Returns a PCIe or system connection of the given kind. */
  public static Link of(LinkKind kind) {
    return kind == LinkKind.SELF ? SELF : new Link(kind, 0);
  }

  /**
   * Parses a cell of {@code nvidia-smi topo -m}: {@code X}, {@code NV<n>}, {@code PIX}, {@code
   * PXB}, {@code PHB}, {@code NODE}, {@code SYS} (also the old {@code SOC} for {@code SYS}).
   *
   * @throws IllegalArgumentException naming the text when it is none of these
   */
  public static Link parse(String text) {
    Objects.requireNonNull(text, "text");
    String t = text.trim().toUpperCase(Locale.ROOT);
    if (t.equals("X")) {
      return SELF;
    }
    if (t.startsWith("NV") && t.length() > 2) {
      try {
        return nvLink(Integer.parseInt(t.substring(2)));
      } catch (NumberFormatException e) {
        // falls through to the error below
      }
    }
    if (t.equals("SOC")) {
      return of(LinkKind.SYS);
    }
    for (LinkKind k : LinkKind.values()) {
      if (k != LinkKind.NVLINK && k != LinkKind.SELF && k.label().equals(t)) {
        return of(k);
      }
    }
    throw new IllegalArgumentException("Unknown GPU link '" + text
        + "'; expected X, NV<n>, PIX, PXB, PHB, NODE or SYS as printed by nvidia-smi topo -m");
  }

  /** Returns whether this is an NVLink connection. */
  public boolean isNvLink() {
    return kind == LinkKind.NVLINK;
  }

  /** Returns the estimated unidirectional NVLink bandwidth in GB/s; 0 without NVLink. */
  public int nvLinkBandwidthGbps() {
    return nvLinks * NVLINK_GBPS_PER_LINK;
  }

  /** Returns the label as {@code nvidia-smi topo -m} prints it: {@code NV18}, {@code SYS}, … */
  @Override
  public String toString() {
    return kind == LinkKind.NVLINK ? "NV" + nvLinks : kind.label();
  }
}
