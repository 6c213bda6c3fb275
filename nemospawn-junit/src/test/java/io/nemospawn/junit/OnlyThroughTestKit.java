package io.nemospawn.junit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Marks a fixture class that only {@link NemoSpawnExtensionTest} runs, through {@code
 * EngineTestKit} with the configuration parameter {@value #KEY}; selected directly (say with a
 * surefire {@code -Dtest} pattern that matches nested classes) it is skipped, not failed.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(OnlyThroughTestKit.Condition.class)
@interface OnlyThroughTestKit {
  String KEY = "nemospawn.junit.fixtures";

  /** Enables the fixture only when the test kit set {@value #KEY}. */
  final class Condition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      return context.getConfigurationParameter(KEY).isPresent()
          ? ConditionEvaluationResult.enabled("run by NemoSpawnExtensionTest")
          : ConditionEvaluationResult.disabled("a fixture of NemoSpawnExtensionTest");
    }
  }
}
