/**
 * The {@code tether} command line ({@code serve}, {@code bench}, {@code certs}, {@code stat}, ...), run from
 * {@code tether.jar}. Its commands and flags are its interface; its classes are not a supported API.
 */
package io.tether.cli;
