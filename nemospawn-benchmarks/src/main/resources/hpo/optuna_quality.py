"""Optuna 3.1 side of HpoQualityReport: the same problems, seeds and checkpoints.

usage: optuna_quality.py quality <problem> <seed0> <seeds> <trials>
       optuna_quality.py timing <trials>
       optuna_quality.py interacting <problem> <seed0> <seeds> <trials> [multivariate|univariate]
                                     (default multivariate, group TPE)
       optuna_quality.py concurrent <problem> <seed0> <seeds> <trials> <workers>   (constant liar)
       optuna_quality.py curves <predictive|crossing> <seed0> <seeds> <budget> <asha|none>
       optuna_quality.py asktell <problem> <ops> <trials>...   (HpoBenchmark's measurement: see below)
Prints one JSON object per line."""
import json, math, sys, time
import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)
A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
     [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]
ALPHA = [1.0, 1.2, 3.0, 3.2]


def branin(t):
    x1, x2 = t.suggest_float("x1", -5, 10), t.suggest_float("x2", 0, 15)
    b, c, tt = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - tt) * math.cos(x1) + 10


def hartmann6(t):
    x = [t.suggest_float("x%d" % i, 0, 1) for i in range(6)]
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(6))) for i in range(4))


def rosenbrock4(t):
    x = [t.suggest_float("x%d" % i, -2, 2) for i in range(4)]
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(3))


def ackley2(t):
    x, y = t.suggest_float("x", -32.768, 32.768), t.suggest_float("y", -32.768, 32.768)
    return (-20 * math.exp(-0.2 * math.sqrt(0.5 * (x * x + y * y)))
            - math.exp(0.5 * (math.cos(2 * math.pi * x) + math.cos(2 * math.pi * y))) + math.e + 20)


def mixed(t):
    lr = t.suggest_float("lr", 1e-5, 1, log=True)
    layers = t.suggest_int("layers", 1, 10)
    width = t.suggest_int("width", 8, 1024, log=True)
    opt = t.suggest_categorical("optimizer", ["adam", "sgd", "rmsprop"])
    dropout = t.suggest_float("dropout", 0, 0.5, step=0.05)
    return ((math.log10(lr) + 3) ** 2 + (layers - 4) ** 2 / 10 + (math.log2(width) - 7) ** 2 / 5
            + {"adam": 0, "rmsprop": 0.25, "sgd": 0.5}[opt] + 4 * (dropout - 0.2) ** 2)


def valley4(t):
    x = [t.suggest_float("x%d" % i, -2, 2) for i in range(4)]
    return sum(100 * (x[i + 1] - x[i]) ** 2 for i in range(3)) + (sum(x) / 4 - 1) ** 2


def branches(t):
    model = t.suggest_categorical("model", ["a", "b"])
    if model == "a":
        a1, a2 = t.suggest_float("a1", -2, 2), t.suggest_float("a2", -2, 2)
        return 20 * (a1 - a2) ** 2 + (a1 + a2 - 1) ** 2
    b1, b2, b3 = t.suggest_float("b1", 0, 1), t.suggest_float("b2", 0, 1), t.suggest_float("b3", 0, 1)
    return 0.3 + 20 * (b1 - b2) ** 2 + 20 * (b2 - b3) ** 2 + (b1 - 0.2) ** 2


def curve(kind, rng, steps):
    """LearningCurves.java: the same distribution (its own random numbers)."""
    q = rng.random()
    fin = 0.1 + 0.3 * (1 - q)
    tau = 2 + 10 * rng.random() if kind == "predictive" else 2 + 40 * q
    out = []
    for k in range(steps):
        e = math.exp(-(k + 1) / tau)
        mean = fin * (1 + 2 * e) if kind == "predictive" else fin + (1 - fin) * e
        out.append(mean + 0.005 * rng.gauss(0, 1))
    return out


# One parameter of each type, as HpoBenchmark's (the types of mixed, and a plain float).
TYPES = {
    "float": lambda t: (t.suggest_float("x", 0, 1) - 0.3) ** 2,
    "log-float": lambda t: (math.log10(t.suggest_float("x", 1e-5, 1, log=True)) + 3) ** 2,
    "int": lambda t: (t.suggest_int("x", 1, 10) - 4) ** 2,
    "log-int": lambda t: (math.log2(t.suggest_int("x", 8, 1024, log=True)) - 7) ** 2,
    "categorical": lambda t: {"adam": 0, "rmsprop": 0.25, "sgd": 0.5}[
        t.suggest_categorical("x", ["adam", "sgd", "rmsprop"])],
    "stepped-float": lambda t: (t.suggest_float("x", 0, 0.5, step=0.05) - 0.2) ** 2,
}

PROBLEMS = {**TYPES, "valley4": valley4, "branches": branches, "branin": branin, "hartmann6": hartmann6, "rosenbrock4": rosenbrock4, "ackley2": ackley2, "mixed": mixed}

def run_best(study, f, trials, workers=1):
    """Asks with `workers` trials pending; tells the oldest first (FIFO). Returns best-so-far."""
    best, traj, pending = math.inf, [], []
    while len(traj) < trials:
        while len(pending) < workers and len(traj) + len(pending) < trials:
            t = study.ask()
            pending.append((t, f(t)))
        t, v = pending.pop(0)
        study.tell(t, v)
        best = min(best, v)
        traj.append(best)
    return traj


if sys.argv[1] in ("interacting", "concurrent"):
    f = PROBLEMS[sys.argv[2]]
    for seed in range(int(sys.argv[3]), int(sys.argv[3]) + int(sys.argv[4])):
        if sys.argv[1] == "interacting":
            mv = len(sys.argv) < 7 or sys.argv[6] == "multivariate"
            sampler = optuna.samplers.TPESampler(seed=seed, multivariate=mv, group=mv)
            workers = 1
        else:
            sampler = optuna.samplers.TPESampler(seed=seed, constant_liar=True)
            workers = int(sys.argv[6])
        study = optuna.create_study(sampler=sampler)
        traj = run_best(study, f, int(sys.argv[5]), workers)
        print(json.dumps({"problem": sys.argv[2], "seed": seed, "best": traj}), flush=True)
elif sys.argv[1] == "curves":
    import random
    kind, budget = sys.argv[2], int(sys.argv[5])
    for seed in range(int(sys.argv[3]), int(sys.argv[3]) + int(sys.argv[4])):
        rng = random.Random(seed)
        pruner = (optuna.pruners.SuccessiveHalvingPruner() if sys.argv[6] == "asha"
                  else optuna.pruners.NopPruner())
        study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed), pruner=pruner)
        used, best = 0, math.inf
        while used < budget:
            c = curve(kind, rng, 100)
            t = study.ask()
            pruned = False
            for k, v in enumerate(c):
                if used >= budget:
                    pruned = None
                    break
                used += 1
                t.report(v, k + 1)
                if t.should_prune():
                    pruned = True
                    break
            if pruned is None:
                study.tell(t, state=optuna.trial.TrialState.FAIL)
            elif pruned:
                study.tell(t, state=optuna.trial.TrialState.PRUNED)
            else:
                study.tell(t, c[-1])
                best = min(best, c[-1])
        print(json.dumps({"kind": kind, "seed": seed, "best": best, "trials": len(study.trials)}), flush=True)
elif sys.argv[1] == "quality":
    f = PROBLEMS[sys.argv[2]]
    for seed in range(int(sys.argv[3]), int(sys.argv[3]) + int(sys.argv[4])):
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
        best, traj = math.inf, []
        for _ in range(int(sys.argv[5])):
            t = study.ask()
            v = f(t)
            study.tell(t, v)
            best = min(best, v)
            traj.append(best)
        print(json.dumps({"problem": sys.argv[2], "seed": seed, "best": traj}), flush=True)
elif sys.argv[1] == "asktell":
    # What HpoBenchmark measures, on Optuna: a study (TPE, seed 1) is filled by TPE up to each
    # checkpoint of complete trials; there, after 3 unmeasured operations, each of <ops> operations
    # is one ask (the objective suggests every parameter), the objective, and tell(FAIL), which TPE
    # ignores, so the history it learns from stays at the checkpoint. Wall and CPU time per op.
    f, ops = PROBLEMS[sys.argv[2]], int(sys.argv[3])
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=1))
    complete = 0
    for n in sorted(int(a) for a in sys.argv[4:]):
        while complete < n:
            t = study.ask()
            study.tell(t, f(t))
            complete += 1
        wall, cpu = [], []
        for i in range(3 + ops):
            t0, c0 = time.perf_counter(), time.process_time()
            t = study.ask()
            f(t)
            study.tell(t, state=optuna.trial.TrialState.FAIL)
            if i >= 3:
                wall.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
        print(json.dumps({"problem": sys.argv[2], "trials": n, "ops": ops,
                          "wall_us": sum(wall) / ops * 1e6, "cpu_us": sum(cpu) / ops * 1e6,
                          "wall_us_median": sorted(wall)[ops // 2] * 1e6}), flush=True)
else:
    n = int(sys.argv[2])
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    wall, cpu = [], []
    for i in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        t = study.ask()
        v = hartmann6(t)
        study.tell(t, v)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    def window(times, a, b):
        w = times[a:b]
        return sum(w) / len(w) * 1000
    out = {"wall_ms_at_100": window(wall, 90, 110), "cpu_ms_at_100": window(cpu, 90, 110)}
    if n >= 1000:
        out["wall_ms_at_1000"] = window(wall, 980, 1000)
        out["cpu_ms_at_1000"] = window(cpu, 980, 1000)
    print(json.dumps(out), flush=True)
