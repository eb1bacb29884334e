package dev.vessels.enclave.seal;

/**
 * What {@link SealedModelWriter#seal} wrote.
 *
 * @param modelId     the sealed model's random identity
 * @param cfgSha256   hex SHA-256 of the cfg text
 * @param layers      layer count
 * @param paramFloats parameters sealed
 * @param chunks      encrypted chunks written
 * @param chunkFloats parameters per chunk
 * @param fileBytes   size of the .vsl file
 */
public record SealedSummary(ModelId modelId, String cfgSha256, int layers, long paramFloats, long chunks,
                            int chunkFloats, long fileBytes) {}
