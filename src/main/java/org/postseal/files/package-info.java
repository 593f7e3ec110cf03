/**
 * Reading files named by configuration, with the checks every such read needs ({@link
 * org.postseal.files.BoundedFile}). Depends on nothing else in postseal, so that every package may use it.
 */
package org.postseal.files;
