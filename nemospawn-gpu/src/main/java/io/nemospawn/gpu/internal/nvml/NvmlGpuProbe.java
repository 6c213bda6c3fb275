package io.nemospawn.gpu.internal.nvml;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import io.nemospawn.gpu.internal.GpuSettings;
import io.nemospawn.spi.GpuProbe;
import io.nemospawn.topology.Gpu;
import io.nemospawn.topology.GpuMetrics;
import io.nemospawn.topology.GpuTopology;
import io.nemospawn.topology.Link;
import io.nemospawn.topology.LinkKind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads GPUs in-process through NVML ({@code libnvidia-ml.so.1}), loaded on first use: identity,
 * memory, utilisation, temperature, power, volatile ECC counts, MIG mode, and NVLink topology from
 * the state and remote PCI id of every link. Links that end at an NVSwitch join every GPU on the
 * fabric, with {@code NV<n>} for the smaller of the two GPUs' switch link counts (as {@code
 * nvidia-smi topo -m} reports NV18 on an H100 HGX board). Pairs without NVLink get their PCIe
 * level from {@code nvmlDeviceGetTopologyCommonAncestor}.
 *
 * <p>Thread-safe: each call brackets its work with {@code nvmlInit_v2}/{@code nvmlShutdown}, which
 * NVML reference-counts.
 */
public final class NvmlGpuProbe implements GpuProbe {
  /** The name shown as the topology's source. */
  public static final String NAME = "nvml";

  private static final Logger log = LoggerFactory.getLogger(NvmlGpuProbe.class);

  private final @Nullable String library;
  private volatile @Nullable NvmlLibrary nvml;
  private volatile @Nullable RuntimeException loadFailure;

  /** Uses the configured library ({@link GpuSettings#nvmlLibrary()}); for ServiceLoader. */
  public NvmlGpuProbe() {
    this(null);
  }

  /**
   * Uses the given library: a path, or a name for the dynamic linker; {@code null} means the
   * configured one. Nothing is loaded before the first call.
   */
  public NvmlGpuProbe(@Nullable String library) {
    this.library = library;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return 20;
  }

  private NvmlLibrary nvml() {
    NvmlLibrary n = nvml;
    if (n != null) {
      return n;
    }
    synchronized (this) {
      if (nvml == null && loadFailure == null) {
        String lib = library != null ? library : GpuSettings.nvmlLibrary();
        try {
          nvml = Native.load(lib, NvmlLibrary.class);
          log.debug("Loaded NVML from {}", lib);
        } catch (UnsatisfiedLinkError e) {
          String reason = firstLines(e.getMessage());
          loadFailure = new IllegalStateException(
              "cannot load NVML library '" + lib + "' (" + reason
                  + "); install the NVIDIA driver or set nemospawn.gpu.nvml-library"
                  + " (NEMOSPAWN_NVML_LIBRARY)",
              e);
        }
      }
      // Under the lock exactly one of the two is set by now.
      RuntimeException failure = loadFailure;
      NvmlLibrary loaded = nvml;
      if (failure != null) {
        throw failure;
      }
      return Objects.requireNonNull(loaded, "NVML library");
    }
  }

  /** JNA puts the linker's reason on the line after "Unable to load library 'x':". */
  private static String firstLines(@Nullable String message) {
    if (message == null) {
      return "no reason given";
    }
    List<String> lines =
        message.lines().map(String::strip).filter(l -> !l.isEmpty()).limit(2).toList();
    String joined = String.join(" ", lines);
    return joined.endsWith(":") ? joined.substring(0, joined.length() - 1) : joined;
  }

  @Override
  public GpuTopology discover() {
    return session(s -> s.topology());
  }

  @Override
  public List<GpuMetrics> sample() {
    return session(s -> {
      List<GpuMetrics> list = new ArrayList<>();
      for (int i = 0; i < s.handles.size(); i++) {
        list.add(s.metrics(i));
      }
      return list;
    });
  }

  private <T> T session(java.util.function.Function<Session, T> work) {
    NvmlLibrary n = nvml();
    int rc = n.nvmlInit_v2();
    if (rc != NvmlLibrary.SUCCESS) {
      throw new IllegalStateException("nvmlInit_v2 failed: " + error(n, rc)
          + (rc == NvmlLibrary.ERROR_DRIVER_NOT_LOADED ? "; is the NVIDIA driver loaded?" : ""));
    }
    try {
      return work.apply(new Session(n));
    } finally {
      n.nvmlShutdown();
    }
  }

  private static String error(NvmlLibrary n, int rc) {
    String text;
    try {
      text = n.nvmlErrorString(rc);
    } catch (UnsatisfiedLinkError e) {
      text = null;
    }
    return (text == null ? "NVML error" : text) + " (" + rc + ")";
  }

  /** Normalises a PCI bus id to NVML's 8-digit domain, upper case: 00000000:18:00.0. */
  static String normaliseBusId(String busId) {
    String b = busId.strip().toUpperCase(Locale.ROOT);
    int colon = b.indexOf(':');
    if (colon >= 0 && colon < 8 && b.indexOf(':', colon + 1) > 0) {
      b = "0".repeat(8 - colon) + b;
    }
    return b;
  }

  /** One initialised NVML session: device handles by position. Not thread-safe; one per call. */
  private static final class Session {
    private final NvmlLibrary n;
    private final List<Pointer> handles = new ArrayList<>();
    private final List<Integer> indices = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    Session(NvmlLibrary n) {
      this.n = n;
      IntByReference count = new IntByReference();
      check(n.nvmlDeviceGetCount_v2(count), "nvmlDeviceGetCount_v2");
      for (int i = 0; i < count.getValue(); i++) {
        PointerByReference h = new PointerByReference();
        int rc = n.nvmlDeviceGetHandleByIndex_v2(i, h);
        if (rc != NvmlLibrary.SUCCESS) {
          // A GPU that is lost or not permitted is reported, the rest still work.
          warnings.add("NVML cannot open GPU " + i + ": " + error(n, rc) + "; it is left out");
          continue;
        }
        handles.add(h.getValue());
        indices.add(i);
      }
    }

    private void check(int rc, String function) {
      if (rc != NvmlLibrary.SUCCESS) {
        throw new IllegalStateException(function + " failed: " + error(n, rc));
      }
    }

    private String string(int rc, byte[] buf, String function, int index) {
      if (rc != NvmlLibrary.SUCCESS) {
        warnings.add(function + " failed for GPU " + index + ": " + error(n, rc));
        return "";
      }
      return Native.toString(buf, StandardCharsets.UTF_8.name());
    }

    private String busId(Pointer pci) {
      return normaliseBusId(pci.getString(NvmlLibrary.PCI_BUS_ID_OFFSET, "US-ASCII"));
    }

    Gpu gpu(int pos) {
      Pointer d = handles.get(pos);
      int index = indices.get(pos);
      byte[] name = new byte[NvmlLibrary.DEVICE_NAME_BUFFER_SIZE];
      byte[] uuid = new byte[NvmlLibrary.DEVICE_UUID_BUFFER_SIZE];
      String nameText =
          string(n.nvmlDeviceGetName(d, name, name.length), name, "nvmlDeviceGetName", index);
      String uuidText =
          string(n.nvmlDeviceGetUUID(d, uuid, uuid.length), uuid, "nvmlDeviceGetUUID", index);
      Memory pci = new Memory(NvmlLibrary.PCI_INFO_SIZE);
      pci.clear();
      String bus = n.nvmlDeviceGetPciInfo_v3(d, pci) == NvmlLibrary.SUCCESS ? busId(pci) : "";
      long total = 0;
      long used = 0;
      Memory mem = new Memory(NvmlLibrary.MEMORY_SIZE);
      if (n.nvmlDeviceGetMemoryInfo(d, mem) == NvmlLibrary.SUCCESS) {
        total = mem.getLong(0) / (1024 * 1024);
        used = mem.getLong(16) / (1024 * 1024);
      }
      IntByReference current = new IntByReference();
      IntByReference pending = new IntByReference();
      boolean mig = n.nvmlDeviceGetMigMode(d, current, pending) == NvmlLibrary.SUCCESS
          && current.getValue() == 1;
      return new Gpu(index, nameText, uuidText, bus, total, used, mig, "", -1);
    }

    GpuMetrics metrics(int pos) {
      Pointer d = handles.get(pos);
      GpuMetrics m = GpuMetrics.unknown(indices.get(pos));
      Memory util = new Memory(NvmlLibrary.UTILIZATION_SIZE);
      if (n.nvmlDeviceGetUtilizationRates(d, util) == NvmlLibrary.SUCCESS) {
        m = m.withUtilisation(util.getInt(0) & 0xFFFFFFFFL, util.getInt(4) & 0xFFFFFFFFL);
      }
      IntByReference v = new IntByReference();
      if (n.nvmlDeviceGetTemperature(d, NvmlLibrary.TEMPERATURE_GPU, v) == NvmlLibrary.SUCCESS) {
        m = m.withTemperature(v.getValue());
      }
      double power = Double.NaN;
      double limit = Double.NaN;
      if (n.nvmlDeviceGetPowerUsage(d, v) == NvmlLibrary.SUCCESS) {
        power = (v.getValue() & 0xFFFFFFFFL) / 1000.0;
      }
      if (n.nvmlDeviceGetEnforcedPowerLimit(d, v) == NvmlLibrary.SUCCESS) {
        limit = (v.getValue() & 0xFFFFFFFFL) / 1000.0;
      }
      m = m.withPower(power, limit);
      LongByReference ecc = new LongByReference();
      long sbe = n.nvmlDeviceGetTotalEccErrors(
                  d, NvmlLibrary.MEMORY_ERROR_CORRECTED, NvmlLibrary.VOLATILE_ECC, ecc)
              == NvmlLibrary.SUCCESS
          ? ecc.getValue()
          : -1;
      long dbe = n.nvmlDeviceGetTotalEccErrors(
                  d, NvmlLibrary.MEMORY_ERROR_UNCORRECTED, NvmlLibrary.VOLATILE_ECC, ecc)
              == NvmlLibrary.SUCCESS
          ? ecc.getValue()
          : -1;
      return m.withEcc(sbe, dbe);
    }

    GpuTopology topology() {
      GpuTopology.Builder b = GpuTopology.builder().source(NAME);
      int count = handles.size();
      Map<String, Integer> posByBus = new HashMap<>();
      List<Gpu> gpus = new ArrayList<>();
      for (int p = 0; p < count; p++) {
        Gpu g = gpu(p);
        gpus.add(g);
        b.gpu(g).metrics(metrics(p));
        if (!g.pciBusId().isEmpty()) {
          posByBus.put(g.pciBusId(), p);
        }
      }
      int[][] direct = new int[count][count];
      int[] switchLinks = new int[count];
      boolean typeKnown = true;
      for (int p = 0; p < count; p++) {
        Pointer d = handles.get(p);
        IntByReference active = new IntByReference();
        Memory pci = new Memory(NvmlLibrary.PCI_INFO_SIZE);
        for (int l = 0; l < NvmlLibrary.NVLINK_MAX_LINKS; l++) {
          int rc = n.nvmlDeviceGetNvLinkState(d, l, active);
          if (rc == NvmlLibrary.ERROR_INVALID_ARGUMENT || rc == NvmlLibrary.ERROR_NOT_SUPPORTED) {
            break; // past the device's last link, or no NVLink at all
          }
          if (rc != NvmlLibrary.SUCCESS || active.getValue() == 0) {
            continue;
          }
          pci.clear();
          if (n.nvmlDeviceGetNvLinkRemotePciInfo_v2(d, l, pci) != NvmlLibrary.SUCCESS) {
            continue;
          }
          String remote = busId(pci);
          Integer other = posByBus.get(remote);
          int type = -1;
          if (typeKnown) {
            try {
              IntByReference t = new IntByReference();
              if (n.nvmlDeviceGetNvLinkRemoteDeviceType(d, l, t) == NvmlLibrary.SUCCESS) {
                type = t.getValue();
              }
            } catch (UnsatisfiedLinkError e) {
              typeKnown = false; // driver older than R460: infer from the bus id below
            }
          }
          if (type == NvmlLibrary.NVLINK_DEVICE_TYPE_SWITCH || (type == -1 && other == null)) {
            switchLinks[p]++;
          } else if (other != null && other != p) {
            direct[p][other]++;
          }
        }
      }
      Set<String> ancestorFailures = new LinkedHashSet<>();
      for (int p = 0; p < count; p++) {
        for (int q = p + 1; q < count; q++) {
          int links = Math.max(direct[p][q], direct[q][p]);
          if (switchLinks[p] > 0 && switchLinks[q] > 0) {
            links += Math.min(switchLinks[p], switchLinks[q]);
          }
          Link link = links > 0 ? Link.nvLink(links) : pcie(p, q, ancestorFailures);
          b.link(indices.get(p), indices.get(q), link);
        }
      }
      warnings.forEach(b::warning);
      ancestorFailures.forEach(b::warning);
      return b.build();
    }

    private Link pcie(int p, int q, Set<String> failures) {
      IntByReference level = new IntByReference();
      int rc;
      try {
        rc = n.nvmlDeviceGetTopologyCommonAncestor(handles.get(p), handles.get(q), level);
      } catch (UnsatisfiedLinkError e) {
        failures.add(
            "NVML has no nvmlDeviceGetTopologyCommonAncestor; PCIe paths are taken as" + " SYS");
        return Link.of(LinkKind.SYS);
      }
      if (rc != NvmlLibrary.SUCCESS) {
        failures.add("nvmlDeviceGetTopologyCommonAncestor failed (" + error(n, rc)
            + "); those PCIe paths are taken as SYS");
        return Link.of(LinkKind.SYS);
      }
      // nvmlGpuTopologyLevel_t: 0 internal, 10 single, 20 multiple, 30 host bridge, 40 node,
      // 50 system.
      int v = level.getValue();
      if (v <= 10) {
        return Link.of(LinkKind.PIX);
      } else if (v <= 20) {
        return Link.of(LinkKind.PXB);
      } else if (v <= 30) {
        return Link.of(LinkKind.PHB);
      } else if (v <= 40) {
        return Link.of(LinkKind.NODE);
      }
      return Link.of(LinkKind.SYS);
    }
  }

  @Override
  public String toString() {
    return "NvmlGpuProbe[" + (library == null ? "configured" : library) + "]";
  }
}
