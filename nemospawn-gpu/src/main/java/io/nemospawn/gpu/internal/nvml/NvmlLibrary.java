package io.nemospawn.gpu.internal.nvml;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The NVML functions we call, as declared in {@code nvml.h}. Every function returns an {@code
 * nvmlReturn_t} (0 is success). {@code nvmlDevice_t} is an opaque pointer. Structs are passed as
 * raw memory of the sizes and layouts below (no reflection), so the mapping is explicit:
 *
 * <ul>
 *   <li>{@code nvmlPciInfo_t} ({@value #PCI_INFO_SIZE} bytes): {@code char busIdLegacy[16]},
 *       {@code unsigned int domain, bus, device, pciDeviceId, pciSubSystemId}, {@code char
 *       busId[32]} at offset {@value #PCI_BUS_ID_OFFSET}
 *   <li>{@code nvmlMemory_t} (24 bytes): {@code unsigned long long total, free, used}
 *   <li>{@code nvmlUtilization_t} (8 bytes): {@code unsigned int gpu, memory}
 * </ul>
 *
 * <p>JNA resolves each symbol on first call, so an old driver lacking an optional function
 * ({@code nvmlDeviceGetNvLinkRemoteDeviceType}) raises {@link UnsatisfiedLinkError} only there.
 */
public interface NvmlLibrary extends Library {
  int SUCCESS = 0;
  int ERROR_UNINITIALIZED = 1;
  int ERROR_INVALID_ARGUMENT = 2;
  int ERROR_NOT_SUPPORTED = 3;
  int ERROR_NO_PERMISSION = 4;
  int ERROR_NOT_FOUND = 6;
  int ERROR_DRIVER_NOT_LOADED = 9;
  int ERROR_GPU_IS_LOST = 15;

  int PCI_INFO_SIZE = 68;
  int PCI_BUS_ID_OFFSET = 36;
  int PCI_BUS_ID_SIZE = 32;
  int MEMORY_SIZE = 24;
  int UTILIZATION_SIZE = 8;
  int DEVICE_NAME_BUFFER_SIZE = 96;
  int DEVICE_UUID_BUFFER_SIZE = 80;
  int NVLINK_MAX_LINKS = 18;

  int TEMPERATURE_GPU = 0;
  int MEMORY_ERROR_CORRECTED = 0;
  int MEMORY_ERROR_UNCORRECTED = 1;
  int VOLATILE_ECC = 0;
  int NVLINK_DEVICE_TYPE_GPU = 0;
  int NVLINK_DEVICE_TYPE_SWITCH = 2;

  int nvmlInit_v2();

  int nvmlShutdown();

  String nvmlErrorString(int result);

  int nvmlDeviceGetCount_v2(IntByReference deviceCount);

  int nvmlDeviceGetHandleByIndex_v2(int index, PointerByReference device);

  int nvmlDeviceGetName(Pointer device, byte[] name, int length);

  int nvmlDeviceGetUUID(Pointer device, byte[] uuid, int length);

  int nvmlDeviceGetPciInfo_v3(Pointer device, Pointer pci);

  int nvmlDeviceGetMemoryInfo(Pointer device, Pointer memory);

  int nvmlDeviceGetUtilizationRates(Pointer device, Pointer utilization);

  int nvmlDeviceGetTemperature(Pointer device, int sensorType, IntByReference temp);

  int nvmlDeviceGetPowerUsage(Pointer device, IntByReference milliwatts);

  int nvmlDeviceGetEnforcedPowerLimit(Pointer device, IntByReference milliwatts);

  int nvmlDeviceGetTotalEccErrors(
      Pointer device, int errorType, int counterType, LongByReference eccCounts);

  int nvmlDeviceGetMigMode(Pointer device, IntByReference currentMode, IntByReference pendingMode);

  int nvmlDeviceGetNvLinkState(Pointer device, int link, IntByReference isActive);

  int nvmlDeviceGetNvLinkRemotePciInfo_v2(Pointer device, int link, Pointer pci);

  int nvmlDeviceGetNvLinkRemoteDeviceType(Pointer device, int link, IntByReference deviceType);

  int nvmlDeviceGetTopologyCommonAncestor(Pointer device1, Pointer device2, IntByReference level);
}
