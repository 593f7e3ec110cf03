/** What every front door needs to write safe log lines; imports nothing of postseal. */
package org.postseal.logging;
