# Registrations hold personal data: no admin pages. Staff reach them through their portals,
# scoped to what their role may see (see selectors.registrations_visible_to).
