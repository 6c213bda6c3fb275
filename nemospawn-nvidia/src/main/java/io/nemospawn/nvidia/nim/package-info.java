/**
 * NIM: which tensor/pipeline-parallel profiles fit the GPUs ({@link NimProfiles}), deploying a
 * NIM container with docker or podman and recording it ({@link NimDeployer}, {@link
 * NimDeployments}), an OpenAI-compatible load generator ({@link LoadGenerator}) and a small
 * OpenAI-compatible server on loopback that serves a real word-level model ({@link
 * LocalModelServer}, {@link WordModel}).
 */
@NullMarked
package io.nemospawn.nvidia.nim;

import org.jspecify.annotations.NullMarked;
