# Appointments hold personal data (photos, locations): no admin pages. Applicants reach them
# through the applicant portal; officers through their console.
