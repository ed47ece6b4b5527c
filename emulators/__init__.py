"""Local, faithful HTTP emulators of HubSpot, LinkedIn Ads, Google Ads, GA4, Sheets and Google OAuth."""
