/*
 * A stand-in for libnvidia-ml.so.1 used by the tests and benchmarks of nemospawn-gpu: the NVML
 * functions NvmlGpuProbe binds, with the signatures and struct layouts of nvml.h, answering from
 * the data file named by the environment variable FAKE_NVML_DATA, else nvml.txt in the directory
 * of the library itself (see fixtures/<shape>/nvml.txt).
 * Build: gcc -shared -fPIC -o libnvidia-ml.so.1 fake_nvml.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int nvmlReturn_t;
#define NVML_SUCCESS 0
#define NVML_ERROR_UNINITIALIZED 1
#define NVML_ERROR_INVALID_ARGUMENT 2
#define NVML_ERROR_NOT_SUPPORTED 3
#define NVML_ERROR_INSUFFICIENT_SIZE 7
#define NVML_ERROR_DRIVER_NOT_LOADED 9
#define NVML_ERROR_UNKNOWN 999
#define NVML_NVLINK_MAX_LINKS 18
#define MAX_GPUS 64
#define NA (-1LL)

typedef struct nvmlPciInfo_st {
  char busIdLegacy[16];
  unsigned int domain;
  unsigned int bus;
  unsigned int device;
  unsigned int pciDeviceId;
  unsigned int pciSubSystemId;
  char busId[32];
} nvmlPciInfo_t;

typedef struct nvmlMemory_st {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
} nvmlMemory_t;

typedef struct nvmlUtilization_st {
  unsigned int gpu;
  unsigned int memory;
} nvmlUtilization_t;

typedef struct fake_gpu {
  int present;
  char name[96];
  char uuid[80];
  char busId[32];
  long long memTotal, memUsed, utilGpu, utilMem, temp, power, limit, eccCorrected, eccUncorrected,
      mig;
  int linkActive[NVML_NVLINK_MAX_LINKS];
  char linkRemote[NVML_NVLINK_MAX_LINKS][32];
  int linkType[NVML_NVLINK_MAX_LINKS];
  int topo[MAX_GPUS];
} fake_gpu;

typedef fake_gpu *nvmlDevice_t;

static fake_gpu gpus[MAX_GPUS];
static unsigned int gpuCount = 0;
static int initCount = 0;

static long long num(const char *s) {
  if (s == NULL || strcmp(s, "NA") == 0) {
    return NA;
  }
  return atoll(s);
}

static char *field(char **cursor) {
  char *start = *cursor;
  if (start == NULL) {
    return NULL;
  }
  char *bar = strchr(start, '|');
  if (bar != NULL) {
    *bar = '\0';
    *cursor = bar + 1;
  } else {
    *cursor = NULL;
  }
  return start;
}

static nvmlReturn_t load(void) {
  char buf[4096];
  const char *path = getenv("FAKE_NVML_DATA");
  if (path == NULL) {
    Dl_info info;
    if (dladdr((void *)&load, &info) == 0 || info.dli_fname == NULL) {
      return NVML_ERROR_DRIVER_NOT_LOADED;
    }
    snprintf(buf, sizeof(buf), "%s", info.dli_fname);
    char *slash = strrchr(buf, '/');
    if (slash == NULL) {
      return NVML_ERROR_DRIVER_NOT_LOADED;
    }
    snprintf(slash + 1, sizeof(buf) - (slash + 1 - buf), "nvml.txt");
    path = buf;
  }
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    return NVML_ERROR_DRIVER_NOT_LOADED;
  }
  memset(gpus, 0, sizeof(gpus));
  gpuCount = 0;
  char line[1024];
  while (fgets(line, sizeof(line), f) != NULL) {
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] == '#' || line[0] == '\0') {
      continue;
    }
    char *cur = line;
    char *kind = field(&cur);
    int index = atoi(field(&cur));
    if (index < 0 || index >= MAX_GPUS) {
      continue;
    }
    fake_gpu *g = &gpus[index];
    if (strcmp(kind, "gpu") == 0) {
      g->present = 1;
      snprintf(g->name, sizeof(g->name), "%s", field(&cur));
      snprintf(g->uuid, sizeof(g->uuid), "%s", field(&cur));
      snprintf(g->busId, sizeof(g->busId), "%s", field(&cur));
      g->memTotal = num(field(&cur));
      g->memUsed = num(field(&cur));
      g->utilGpu = num(field(&cur));
      g->utilMem = num(field(&cur));
      g->temp = num(field(&cur));
      g->power = num(field(&cur));
      g->limit = num(field(&cur));
      g->eccCorrected = num(field(&cur));
      g->eccUncorrected = num(field(&cur));
      g->mig = num(field(&cur));
      if ((unsigned int)index + 1 > gpuCount) {
        gpuCount = index + 1;
      }
    } else if (strcmp(kind, "link") == 0) {
      int link = atoi(field(&cur));
      if (link >= 0 && link < NVML_NVLINK_MAX_LINKS) {
        g->linkActive[link] = 1;
        snprintf(g->linkRemote[link], 32, "%s", field(&cur));
        g->linkType[link] = atoi(field(&cur));
      }
    } else if (strcmp(kind, "topo") == 0) {
      int other = atoi(field(&cur));
      int level = atoi(field(&cur));
      if (other >= 0 && other < MAX_GPUS) {
        g->topo[other] = level;
        gpus[other].topo[index] = level;
      }
    }
  }
  fclose(f);
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlInit_v2(void) {
  if (initCount == 0) {
    nvmlReturn_t r = load();
    if (r != NVML_SUCCESS) {
      return r;
    }
  }
  initCount++;
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlShutdown(void) {
  if (initCount == 0) {
    return NVML_ERROR_UNINITIALIZED;
  }
  initCount--;
  return NVML_SUCCESS;
}

const char *nvmlErrorString(nvmlReturn_t result) {
  switch (result) {
    case NVML_SUCCESS: return "Success";
    case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
    case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
    case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
    case NVML_ERROR_INSUFFICIENT_SIZE: return "Insufficient Size";
    case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
    default: return "Unknown Error";
  }
}

#define CHECK_INIT() do { if (initCount == 0) return NVML_ERROR_UNINITIALIZED; } while (0)
#define CHECK_DEVICE(d) do { CHECK_INIT(); if ((d) == NULL) return NVML_ERROR_INVALID_ARGUMENT; } while (0)

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount) {
  CHECK_INIT();
  *deviceCount = gpuCount;
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) {
  CHECK_INIT();
  if (index >= gpuCount || !gpus[index].present) {
    return NVML_ERROR_INVALID_ARGUMENT;
  }
  *device = &gpus[index];
  return NVML_SUCCESS;
}

static nvmlReturn_t copy(char *dst, unsigned int length, const char *src) {
  if (strlen(src) + 1 > length) {
    return NVML_ERROR_INSUFFICIENT_SIZE;
  }
  strcpy(dst, src);
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length) {
  CHECK_DEVICE(device);
  return copy(name, length, device->name);
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length) {
  CHECK_DEVICE(device);
  return copy(uuid, length, device->uuid);
}

static void fillPci(nvmlPciInfo_t *pci, const char *busId) {
  memset(pci, 0, sizeof(*pci));
  unsigned int domain = 0, bus = 0, dev = 0, fn = 0;
  sscanf(busId, "%x:%x:%x.%x", &domain, &bus, &dev, &fn);
  pci->domain = domain;
  pci->bus = bus;
  pci->device = dev;
  pci->pciDeviceId = 0x233010de;
  snprintf(pci->busIdLegacy, sizeof(pci->busIdLegacy), "%04x:%02x:%02x.%x", domain, bus, dev, fn);
  snprintf(pci->busId, sizeof(pci->busId), "%s", busId);
}

nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, nvmlPciInfo_t *pci) {
  CHECK_DEVICE(device);
  fillPci(pci, device->busId);
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory) {
  CHECK_DEVICE(device);
  if (device->memTotal == NA) {
    return NVML_ERROR_NOT_SUPPORTED;
  }
  memory->total = device->memTotal;
  memory->used = device->memUsed;
  memory->free = device->memTotal - device->memUsed;
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *utilization) {
  CHECK_DEVICE(device);
  if (device->utilGpu == NA) {
    return NVML_ERROR_NOT_SUPPORTED;
  }
  utilization->gpu = (unsigned int)device->utilGpu;
  utilization->memory = (unsigned int)device->utilMem;
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, int sensorType, unsigned int *temp) {
  CHECK_DEVICE(device);
  if (sensorType != 0) {
    return NVML_ERROR_INVALID_ARGUMENT;
  }
  if (device->temp == NA) {
    return NVML_ERROR_NOT_SUPPORTED;
  }
  *temp = (unsigned int)device->temp;
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power) {
  CHECK_DEVICE(device);
  if (device->power == NA) {
    return NVML_ERROR_NOT_SUPPORTED;
  }
  *power = (unsigned int)device->power;
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t device, unsigned int *limit) {
  CHECK_DEVICE(device);
  if (device->limit == NA) {
    return NVML_ERROR_NOT_SUPPORTED;
  }
  *limit = (unsigned int)device->limit;
  return NVML_SUCCESS;
}

/* errorType: 0 corrected (single-bit), 1 uncorrected (double-bit); counterType: 0 volatile. */
nvmlReturn_t nvmlDeviceGetTotalEccErrors(
    nvmlDevice_t device, int errorType, int counterType, unsigned long long *eccCounts) {
  CHECK_DEVICE(device);
  if (counterType != 0 && counterType != 1) {
    return NVML_ERROR_INVALID_ARGUMENT;
  }
  long long v = errorType == 0 ? device->eccCorrected : device->eccUncorrected;
  if (v == NA) {
    return NVML_ERROR_NOT_SUPPORTED;
  }
  *eccCounts = (unsigned long long)v;
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetMigMode(
    nvmlDevice_t device, unsigned int *currentMode, unsigned int *pendingMode) {
  CHECK_DEVICE(device);
  if (device->mig == NA) {
    return NVML_ERROR_NOT_SUPPORTED;
  }
  *currentMode = (unsigned int)device->mig;
  *pendingMode = (unsigned int)device->mig;
  return NVML_SUCCESS;
}

/* Like the real library: links past the device's count are INVALID_ARGUMENT; a device without
 * NVLink answers NOT_SUPPORTED. */
static int linkCount(nvmlDevice_t device) {
  int n = 0;
  for (int l = 0; l < NVML_NVLINK_MAX_LINKS; l++) {
    if (device->linkActive[l]) {
      n = l + 1;
    }
  }
  return n;
}

nvmlReturn_t nvmlDeviceGetNvLinkState(nvmlDevice_t device, unsigned int link, int *isActive) {
  CHECK_DEVICE(device);
  int n = linkCount(device);
  if (n == 0) {
    return NVML_ERROR_NOT_SUPPORTED;
  }
  if (link >= (unsigned int)n) {
    return NVML_ERROR_INVALID_ARGUMENT;
  }
  *isActive = device->linkActive[link];
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetNvLinkRemotePciInfo_v2(
    nvmlDevice_t device, unsigned int link, nvmlPciInfo_t *pci) {
  CHECK_DEVICE(device);
  if (link >= (unsigned int)linkCount(device) || !device->linkActive[link]) {
    return NVML_ERROR_INVALID_ARGUMENT;
  }
  fillPci(pci, device->linkRemote[link]);
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetNvLinkRemoteDeviceType(
    nvmlDevice_t device, unsigned int link, int *pNvLinkDeviceType) {
  CHECK_DEVICE(device);
  if (link >= (unsigned int)linkCount(device) || !device->linkActive[link]) {
    return NVML_ERROR_INVALID_ARGUMENT;
  }
  *pNvLinkDeviceType = device->linkType[link];
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetTopologyCommonAncestor(
    nvmlDevice_t device1, nvmlDevice_t device2, int *pathInfo) {
  CHECK_DEVICE(device1);
  CHECK_DEVICE(device2);
  int level = device1->topo[device2 - gpus];
  if (level == 0) {
    return NVML_ERROR_NOT_SUPPORTED;
  }
  *pathInfo = level;
  return NVML_SUCCESS;
}
