/** Does this Loam serve Studio at `/` and at deep links (i.e. does start.ts register the Studio routes)? */
export async function serverServesStudio(url: string): Promise<boolean> {
  const [root, deep] = await Promise.all([fetch(`${url}/`), fetch(`${url}/users/someone`)]);
  const ok = async (r: Response) => r.ok && (await r.text()).includes('<div id="root">');
  return (await ok(root)) && (await ok(deep));
}
