"""Asset keys: where each asset's data lands (``raw`` = source copies, ``marts`` = KPIs, ``tracker``)."""

MIRROR_KEY = ["raw", "hubspot_mirror"]
LINKEDIN_KEY = ["raw", "linkedin_ads_daily"]
GOOGLE_ADS_KEY = ["raw", "google_ads_daily"]
GA4_DAILY_KEY = ["raw", "ga4_daily"]
GA4_WEEKLY_KEY = ["raw", "ga4_weekly_users"]
KPIS_KEY = ["marts", "weekly_kpis"]
TRACKER_KEY = ["tracker", "weekly_tracker"]
