// The kubelet's use of a provider's answers (pkg/credentialprovider/plugin, as ../shared/reference/
// consumers.md describes it), small enough to read: answers are cached under the image when
// cacheKeyType is Image and under the image's registry host when it is Registry; a pull looks the
// cache up by image, then by host, and runs the provider only on a miss. The `auth` keys then match
// the image as the kubelet's keyring does: same host, key path a plain string prefix, longest first.
export interface ProviderAnswer {
  readonly cacheKeyType: 'Image' | 'Registry';
  readonly auth?: Record<string, { username: string; password: string }>;
}

const hostOf = (image: string) => image.split('/')[0] ?? '';

export function kubeletCache(runProvider: (image: string) => Promise<ProviderAnswer>) {
  const cache = new Map<string, ProviderAnswer>();
  return {
    /** The login the kubelet pulls `image` with, and whether the provider ran for it. */
    async pull(image: string): Promise<{ username: string | undefined; ranProvider: boolean }> {
      let answer = cache.get(image) ?? cache.get(hostOf(image));
      const ranProvider = answer === undefined;
      if (!answer) {
        answer = await runProvider(image);
        cache.set(answer.cacheKeyType === 'Image' ? image : hostOf(image), answer);
      }
      const keys = Object.keys(answer.auth ?? {}).sort((a, b) => b.length - a.length);
      const key = keys.find((k) => hostOf(k) === hostOf(image) && image.startsWith(k));
      return { username: key === undefined ? undefined : answer.auth![key]!.username, ranProvider };
    },
  };
}
