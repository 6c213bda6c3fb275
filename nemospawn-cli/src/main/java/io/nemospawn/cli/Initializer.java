package io.nemospawn.cli;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a hook that a command's {@code call()} runs before any other of its own methods ({@link
 * TeamSubcommand#parse}, {@link TeamSubcommand#prepare}): NullAway, which treats an annotation of
 * this simple name as marking an initializer, counts the fields it assigns (the sorted positional
 * arguments, a parsed option) as initialized. Only for those hooks; see docs/style.md.
 */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
@interface Initializer {}
