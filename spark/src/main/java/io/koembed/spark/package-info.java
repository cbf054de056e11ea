/** KoEmbed on Apache Spark. */
package io.koembed.spark;
