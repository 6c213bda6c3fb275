package io.nemospawn.hpo.internal;

import io.jenetics.Alterer;
import io.jenetics.DoubleChromosome;
import io.jenetics.DoubleGene;
import io.jenetics.GaussianMutator;
import io.jenetics.Genotype;
import io.jenetics.IntermediateCrossover;
import io.jenetics.Phenotype;
import io.jenetics.util.ISeq;
import io.jenetics.util.RandomRegistry;
import io.nemospawn.hpo.Distribution;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.Sampler;
import io.nemospawn.hpo.SamplerContext;
import io.nemospawn.hpo.SearchSpace;
import io.nemospawn.hpo.TrialState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * A steady-state genetic sampler built on Jenetics 7.2: the population is the {@code size} best
 * complete trials; each new trial is a child of two parents chosen by binary tournament, made by
 * Jenetics' {@link IntermediateCrossover} and {@link GaussianMutator} on the parameters normalised to
 * [0, 1] (log scales in log space). Until {@code size} trials are complete it samples at random.
 * Thread-safe: draws are serialised on the generator.
 */
public final class GeneticSampler implements Sampler {
  private final int size;
  private final double crossover;
  private final double mutation;
  private final RandomGenerator rng;

  /**
   * @param mutation probability that a gene mutates; 0 means {@code 1 / dimensions}
   */
  public GeneticSampler(int size, double crossover, double mutation, RandomGenerator rng) {
    this.size = size;
    this.crossover = crossover;
    this.mutation = mutation;
    this.rng = rng;
  }

  private Alterer<DoubleGene, Double> alterer(int dimensions) {
    // intermediate (blend) crossover explores between and slightly beyond the parents, which a
    // uniform swap of coordinates cannot; Gaussian mutation of about one gene per child
    return Alterer.<DoubleGene, Double>of(
        new IntermediateCrossover<DoubleGene, Double>(crossover, 0.25),
        new GaussianMutator<DoubleGene, Double>(mutation > 0 ? mutation : 1.0 / dimensions));
  }

  @Override
  public Map<String, Double> sampleJoint(SamplerContext ctx, SearchSpace space) {
    List<FrozenTrial> complete = new ArrayList<>();
    for (FrozenTrial t : ctx.trials()) {
      if (t.state() == TrialState.COMPLETE
          && t.internalParams().keySet().containsAll(space.params().keySet())) {
        complete.add(t);
      }
    }
    if (complete.size() < size || space.params().isEmpty()) {
      return Map.of();
    }
    complete.sort(Comparator.comparingDouble(t -> ctx.direction().loss(t.rawValue())));
    List<FrozenTrial> population = complete.subList(0, size);
    List<String> names = new ArrayList<>(space.params().keySet());
    List<Distribution> dists = new ArrayList<>(space.params().values());
    synchronized (rng) {
      FrozenTrial a = tournament(population);
      FrozenTrial b = tournament(population);
      ISeq<Phenotype<DoubleGene, Double>> parents =
          ISeq.of(phenotype(a, names, dists), phenotype(b, names, dists));
      var alterer = alterer(names.size());
      var result = RandomRegistry.with(rng, r -> alterer.alter(parents, 1));
      Genotype<DoubleGene> child = result.population().get(0).genotype();
      Map<String, Double> out = new LinkedHashMap<>();
      for (int j = 0; j < names.size(); j++) {
        out.put(names.get(j), fromUnit(dists.get(j), child.get(0).get(j).doubleValue()));
      }
      return out;
    }
  }

  @Override
  public double sampleIndependent(SamplerContext ctx, String name, Distribution d) {
    synchronized (rng) {
      return RandomSampler.sample(d, rng);
    }
  }

  private FrozenTrial tournament(List<FrozenTrial> population) {
    int i = rng.nextInt(population.size());
    int j = rng.nextInt(population.size());
    return population.get(Math.min(i, j));
  }

  private static Phenotype<DoubleGene, Double> phenotype(
      FrozenTrial t, List<String> names, List<Distribution> dists) {
    DoubleGene[] genes = new DoubleGene[names.size()];
    for (int j = 0; j < names.size(); j++) {
      Double x = t.internalParams().get(names.get(j));
      if (x == null) { // sampleJoint keeps only trials that have every parameter
        throw new IllegalStateException("Trial " + t.number() + " has no " + names.get(j));
      }
      genes[j] = DoubleGene.of(toUnit(dists.get(j), x), 0, 1);
    }
    return Phenotype.of(Genotype.of(DoubleChromosome.of(genes)), 1);
  }

  static double toUnit(Distribution d, double v) {
    ParzenEstimator.Dim dim = new ParzenEstimator.Dim(d);
    if (dim.categorical) {
      return (v + 0.5) / dim.choices;
    }
    double range = dim.hi - dim.lo;
    return range == 0 ? 0.5 : (dim.transform(v) - dim.lo) / range;
  }

  static double fromUnit(Distribution d, double u) {
    ParzenEstimator.Dim dim = new ParzenEstimator.Dim(d);
    u = Math.min(Math.max(u, 0), Math.nextDown(1.0));
    if (dim.categorical) {
      return Math.floor(u * dim.choices);
    }
    return dim.untransform(dim.lo + u * (dim.hi - dim.lo));
  }

  @Override
  public String toString() {
    return "GeneticSampler[populationSize=" + size + "]";
  }
}
