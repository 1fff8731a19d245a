export function normaliseRelativePath(path) {
    if (!path || path === '/')
        return '';
    return '/' + path.replace(/^\/+|\/+$/g, '');
}
