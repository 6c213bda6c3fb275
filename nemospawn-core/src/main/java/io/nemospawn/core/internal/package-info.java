/** The file-backed implementation of the API. Internal: no compatibility promise. */
package io.nemospawn.core.internal;
